package io.gleaner.schema;

import io.gleaner.schema.v1.Campaign;
import io.gleaner.schema.v1.EdgeCase;
import io.gleaner.schema.v1.FrameEvent;
import io.gleaner.schema.v1.LabelFeedback;
import io.gleaner.schema.v1.ModelUpdate;
import io.gleaner.schema.v1.ScoredFrame;
import io.gleaner.schema.v1.TriggerYield;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;

/** Every topic Gleaner reads or writes, with its key and value serdes (see DESIGN.md, Topics). */
public final class Topics {
    private Topics() {}

    /** Written by the fleet, keyed by vehicle id; anything may arrive here, so values are raw bytes. */
    public static final Topic<String, byte[]> FRAMES_RAW =
            new Topic<>("frames.raw", Serdes.String(), Serdes.ByteArray());

    /** Validated and deduplicated frames, keyed by vehicle id. */
    public static final Topic<String, FrameEvent> FRAMES_VALID =
            new Topic<>("frames.valid", Serdes.String(), ProtoSerde.of(FrameEvent.parser(), "FrameEvent"));

    /** Rejected records: original key and bytes, with {@link DlqHeaders} saying why. */
    public static final Topic<byte[], byte[]> FRAMES_DLQ =
            new Topic<>("frames.dlq", Serdes.ByteArray(), Serdes.ByteArray());

    /** Model outputs per frame, keyed by vehicle id. */
    public static final Topic<String, ScoredFrame> FRAMES_SCORED =
            new Topic<>("frames.scored", Serdes.String(), ProtoSerde.of(ScoredFrame.parser(), "ScoredFrame"));

    /** Harvested frames, keyed by frame id. */
    public static final Topic<String, EdgeCase> EDGE_CASES =
            new Topic<>("edge-cases", Serdes.String(), ProtoSerde.of(EdgeCase.parser(), "EdgeCase"));

    /** Compacted; keyed by model name. Scorers follow it and swap models between batches. */
    public static final Topic<String, ModelUpdate> MODEL_UPDATES =
            new Topic<>("model-updates", Serdes.String(), ProtoSerde.of(ModelUpdate.parser(), "ModelUpdate"));

    /**
     * Compacted; keyed by campaign id. "Find me more like this" triggers, created, listed and
     * stopped at run time; the selection stage reads it as a global table.
     */
    public static final Topic<String, Campaign> CAMPAIGNS =
            new Topic<>("campaigns", Serdes.String(), ProtoSerde.of(Campaign.parser(), "Campaign"));

    /**
     * Keyed by frame id: what each final label of a harvested frame said about the model (see
     * {@code LabelFeedback}); the selection stage learns each trigger's yield from it.
     */
    public static final Topic<String, LabelFeedback> LABEL_FEEDBACK =
            new Topic<>("label-feedback", Serdes.String(), ProtoSerde.of(LabelFeedback.parser(), "LabelFeedback"));

    /** Compacted; keyed by trigger name. Each trigger's yield so far, written and read by the selection stage. */
    public static final Topic<String, TriggerYield> TRIGGER_YIELD =
            new Topic<>("trigger-yield", Serdes.String(), ProtoSerde.of(TriggerYield.parser(), "TriggerYield"));

    /** Every topic above, for the tools that create them. */
    public static List<Topic<?, ?>> all() {
        return List.of(FRAMES_RAW, FRAMES_VALID, FRAMES_DLQ, FRAMES_SCORED, EDGE_CASES, MODEL_UPDATES, CAMPAIGNS,
                LABEL_FEEDBACK, TRIGGER_YIELD);
    }

    /** Topics that keep only the latest value per key. */
    public static boolean isCompacted(Topic<?, ?> topic) {
        return topic == MODEL_UPDATES || topic == CAMPAIGNS || topic == TRIGGER_YIELD;
    }
}
