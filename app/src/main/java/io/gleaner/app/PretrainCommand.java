package io.gleaner.app;

import io.gleaner.retrain.ssl.ImageSet;
import io.gleaner.retrain.ssl.PretrainResult;
import io.gleaner.scorer.model.ModelArtifact;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code gleaner pretrain}: self-supervised pretraining of a backbone on unlabeled frames, written
 * as a model artifact; rerun the same command after a crash to resume from the last epoch.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain a backbone self-supervised (SimCLR or VICReg) on unlabeled frames and save it as a"
                + " model artifact. Rerun the same command after a crash: it resumes after the last finished epoch.")
final class PretrainCommand implements Callable<Integer> {
    @Mixin PretrainOptions options;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        options.applyThreads();
        ImageSet images = options.images(out);
        PretrainResult result = options.pretrain(images, out, null);
        try (var backbone = result.backbone()) {
            ModelArtifact artifact = options.save(result, images);
            out.printf(Locale.ROOT, "saved %s (%s, SHA-256 %s) after %.0f s of pretraining%n", artifact.dir(),
                    artifact.manifest().version(), artifact.sha256(), result.trainSeconds());
            out.printf(Locale.ROOT, "RESULT pretrain method=%s epochs=%d loss=%.4f effective_rank=%.1f pretrain_s=%.0f%n",
                    artifact.manifest().method(), result.epochs().size(), result.finalLoss(),
                    result.epochs().get(result.epochs().size() - 1).effectiveRank(), result.trainSeconds());
            out.flush();
        }
        return 0;
    }
}
