package io.gleaner.retrain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.loss.Loss;

/**
 * The loss a driving model trains on: mean squared error of the action (steering, acceleration)
 * plus softmax cross-entropy of the scene, averaged over the examples that have a scene label.
 *
 * <p>Labels are {@code [action B×2, sceneOneHot B×C]}; a row of zeros in the one-hot marks an
 * example without a scene label, which then adds nothing to the scene term. Predictions are the
 * model's outputs {@code [sceneLogits B×C, action B×2, embedding B×E]}.
 *
 * <p>Constants are arrays on the predictions' manager, never Java numbers: DJL lets go of the memory
 * behind the tensor it makes of a number while autograd still needs it (see
 * {@code ssl.SslObjective}, issue 4).
 */
public final class DrivingLoss extends Loss {

    private final float sceneWeight;

    /** @param sceneWeight how much the scene cross-entropy counts against the action error */
    public DrivingLoss(float sceneWeight) {
        super("driving-loss");
        this.sceneWeight = sceneWeight;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray sceneLogits = predictions.get(0);
        NDArray action = predictions.get(1);
        NDArray actionTarget = labels.get(0);
        NDManager manager = sceneLogits.getManager();
        NDArray sceneOneHot = labels.get(1);

        NDArray actionMse = action.sub(actionTarget).square().mean();
        NDArray labeledRows = sceneOneHot.sum().maximum(manager.create(1f));
        NDArray sceneCrossEntropy = sceneLogits.logSoftmax(1).mul(sceneOneHot).sum().neg().div(labeledRows);
        return actionMse.add(sceneCrossEntropy.mul(manager.create(sceneWeight)));
    }
}
