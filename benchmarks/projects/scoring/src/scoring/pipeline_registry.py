"""Project pipelines: `inference` (4 nodes) and `chain` (50 nodes)."""

from kedro.pipeline import Node, Pipeline

from .nodes import add_features, clean, postprocess, predict, step

CHAIN_LENGTH = 50


def create_inference_pipeline() -> Pipeline:
    return Pipeline(
        [
            Node(clean, "orders", "cleaned", name="clean"),
            Node(add_features, ["cleaned", "params:amount_scale"], "features",
                 name="add_features"),
            Node(predict, ["features", "model"], "scores", name="predict"),
            Node(postprocess, ["scores", "params:threshold"], "predictions",
                 name="postprocess"),
        ]
    )


def create_chain_pipeline() -> Pipeline:
    nodes = [Node(clean, "orders", "step_0", name="clean")]
    nodes += [Node(step, f"step_{k - 1}", f"step_{k}", name=f"step_{k}")
              for k in range(1, CHAIN_LENGTH)]
    return Pipeline(nodes)


def register_pipelines() -> dict[str, Pipeline]:
    inference = create_inference_pipeline()
    return {"inference": inference, "chain": create_chain_pipeline(), "__default__": inference}
