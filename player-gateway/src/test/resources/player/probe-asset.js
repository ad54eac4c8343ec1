export const asset = "watch-asset";
