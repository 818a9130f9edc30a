from kedro.pipeline import Node, Pipeline

from ..data_processing.nodes import preprocess_shuttles
from .nodes import build_features, predict_price


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(preprocess_shuttles, "shuttles_to_price", "preprocessed_request",
                 name="preprocess_request_node"),
            Node(build_features,
                 ["preprocessed_request", "preprocessed_companies", "params:model_options"],
                 "request_features", name="build_features_node"),
            Node(predict_price, ["regressor", "request_features"], "price_predictions",
                 name="predict_price_node"),
        ]
    )
