from kedro.pipeline import Node, Pipeline

from .nodes import evaluate_model, split_data, train_model


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(split_data, ["model_input_table", "params:model_options"],
                 ["X_train", "X_test", "y_train", "y_test"], name="split_data_node"),
            Node(train_model, ["X_train", "y_train"], "regressor", name="train_model_node"),
            Node(evaluate_model, ["regressor", "X_test", "y_test"], None,
                 name="evaluate_model_node"),
        ]
    )
