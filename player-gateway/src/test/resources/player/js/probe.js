export const probe = "treecast-probe";
