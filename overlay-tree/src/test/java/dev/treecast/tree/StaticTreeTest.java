package dev.treecast.tree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StaticTreeTest {
    @Test
    void childrenSpreadEvenlyOverTheLevelAbove() {
        assertThat(StaticTree.of("ingest", List.of(2, 4))).containsExactly(
                new StaticTree.Placement("relay-1.1", 1, "ingest"),
                new StaticTree.Placement("relay-1.2", 1, "ingest"),
                new StaticTree.Placement("relay-2.1", 2, "relay-1.1"),
                new StaticTree.Placement("relay-2.2", 2, "relay-1.2"),
                new StaticTree.Placement("relay-2.3", 2, "relay-1.1"),
                new StaticTree.Placement("relay-2.4", 2, "relay-1.2"));
    }

    @Test
    void aLevelSmallerThanItsParentLevelLeavesSomeParentsWithoutChildren() {
        assertThat(StaticTree.of("root", List.of(3, 1, 2))).extracting(StaticTree.Placement::parentId)
                .containsExactly("root", "root", "root", "relay-1.1", "relay-2.1", "relay-2.1");
    }

    @Test
    void emptyShapesAreRefused() {
        assertThatThrownBy(() -> StaticTree.of("root", List.of())).hasMessageContaining("at least one level");
        assertThatThrownBy(() -> StaticTree.of("root", List.of(2, 0))).hasMessageContaining("level 2 has 0");
    }
}
