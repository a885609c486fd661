package io.gleaner.uncertainty;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetWindowTest {
    private static BudgetWindow.Candidate candidate(String vehicle, double priority, String frameId) {
        return new BudgetWindow.Candidate(vehicle, priority, frameId, 7L, new byte[] {1, 2, 3});
    }

    private static List<String> ids(BudgetWindow window) {
        return window.ranked().stream().map(BudgetWindow.Candidate::frameId).toList();
    }

    @Test
    void keepsTheBestOfTheUnionOfEachVehiclesBestWhateverTheArrivalOrder() {
        List<BudgetWindow.Candidate> arrivals = List.of(candidate("a", 0.6, "a1"), candidate("a", 0.9, "a2"),
                candidate("a", 0.7, "a3"), candidate("b", 0.8, "b1"), candidate("b", 0.65, "b2"), candidate("c", 0.95, "c1"));
        BudgetWindow forward = new BudgetWindow();
        BudgetWindow backward = new BudgetWindow();
        int droppedForward = 0;
        int droppedBackward = 0;
        for (int i = 0; i < arrivals.size(); i++) {
            droppedForward += forward.offer(arrivals.get(i), 2, 3);
            droppedBackward += backward.offer(arrivals.get(arrivals.size() - 1 - i), 2, 3);
        }
        // per vehicle (2): a → a2, a3; b → b1, b2; c → c1. In all (3): c1 0.95, a2 0.9, b1 0.8.
        assertThat(ids(forward)).containsExactly("c1", "a2", "b1");
        assertThat(ids(backward)).containsExactly("c1", "a2", "b1");
        assertThat(droppedForward).isEqualTo(3);
        assertThat(droppedBackward).isEqualTo(3);
    }

    @Test
    void equalPrioritiesAreRankedByFrameIdSoReplaysAgree() {
        BudgetWindow window = new BudgetWindow();
        window.offer(candidate("a", 0.5, "f-2"), 1, 5);
        window.offer(candidate("a", 0.5, "f-1"), 1, 5); // ranks above f-2 on the id: displaces it
        assertThat(ids(window)).containsExactly("f-1");
    }

    @Test
    void roundTripsThroughBytes() {
        BudgetWindow window = new BudgetWindow();
        window.offer(candidate("v-é", 0.25, "f-1"), 3, 3);
        window.offer(candidate("v-2", 0.75, "f-2"), 3, 3);
        BudgetWindow restored = BudgetWindow.fromBytes(window.toBytes());
        assertThat(restored.toBytes()).isEqualTo(window.toBytes());
        assertThat(restored.ranked()).extracting(BudgetWindow.Candidate::vehicle).containsExactly("v-2", "v-é");
        assertThat(restored.ranked().get(0).edgeCase()).containsExactly(1, 2, 3);
    }
}
