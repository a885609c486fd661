package io.gleaner.uncertainty;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The harvested frames one budget window still holds: a bounded top-k by priority, at most
 * {@code perVehicle} per vehicle and {@code fleet} in all. Pure and serialisable, so the budget
 * processor keeps one per open window in its store.
 *
 * <p>{@link #offer} keeps exactly the frames that will be the window's answer, the {@code fleet}
 * best of the union of every vehicle's {@code perVehicle} best, while holding at most
 * {@code fleet} frames: a frame the fleet cap drops is beaten by {@code fleet} held frames, and
 * held frames are only ever replaced by better ones, so it could never come back. Ranking is by
 * priority, higher first, then by frame id, so ties are decided the same way on every replay.
 */
final class BudgetWindow {
    /** One harvested frame waiting for its window to close; {@code edgeCase} is the serialised EdgeCase. */
    record Candidate(String vehicle, double priority, String frameId, long timestampMs, byte[] edgeCase) {}

    /** Best first: higher priority, then smaller frame id. */
    static final Comparator<Candidate> BEST_FIRST = Comparator.comparingDouble(Candidate::priority).reversed()
            .thenComparing(Candidate::frameId);

    private final List<Candidate> held = new ArrayList<>();

    /**
     * Offers a frame to the window.
     *
     * @return how many frames this dropped (0 or 1): the offered one, or the one it displaced
     */
    int offer(Candidate candidate, int perVehicle, int fleet) {
        List<Candidate> sameVehicle = held.stream().filter(c -> c.vehicle().equals(candidate.vehicle())).toList();
        if (sameVehicle.size() >= perVehicle) {
            Candidate worst = sameVehicle.stream().max(BEST_FIRST).orElseThrow();
            if (BEST_FIRST.compare(candidate, worst) >= 0) {
                return 1;
            }
            held.remove(worst);
            held.add(candidate);
            return 1;
        }
        held.add(candidate);
        if (held.size() > fleet) {
            held.remove(held.stream().max(BEST_FIRST).orElseThrow());
            return 1;
        }
        return 0;
    }

    /** The held frames, best first. */
    List<Candidate> ranked() {
        return held.stream().sorted(BEST_FIRST).toList();
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(held.size());
            for (Candidate c : held) {
                out.writeUTF(c.vehicle());
                out.writeDouble(c.priority());
                out.writeUTF(c.frameId());
                out.writeLong(c.timestampMs());
                out.writeInt(c.edgeCase().length);
                out.write(c.edgeCase());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    static BudgetWindow fromBytes(byte[] bytes) {
        BudgetWindow window = new BudgetWindow();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String vehicle = in.readUTF();
                double priority = in.readDouble();
                String frameId = in.readUTF();
                long timestampMs = in.readLong();
                byte[] edgeCase = new byte[in.readInt()];
                in.readFully(edgeCase);
                window.held.add(new Candidate(vehicle, priority, frameId, timestampMs, edgeCase));
            }
        } catch (IOException e) {
            throw new IllegalStateException("budget window state is truncated or not a budget window ("
                    + e.getMessage() + "); delete the task's state directory to start the budget afresh", e);
        }
        return window;
    }
}
