"""Split the model input table, train a linear regression and evaluate it."""

import logging

import pandas as pd
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split


def split_data(data: pd.DataFrame, parameters: dict) -> tuple:
    X = data[parameters["features"]]
    y = data["price"]
    return train_test_split(
        X, y, test_size=parameters["test_size"], random_state=parameters["random_state"]
    )


def train_model(X_train: pd.DataFrame, y_train: pd.Series) -> LinearRegression:
    regressor = LinearRegression()
    regressor.fit(X_train, y_train)
    return regressor


def evaluate_model(regressor: LinearRegression, X_test: pd.DataFrame, y_test: pd.Series) -> None:
    score = r2_score(y_test, regressor.predict(X_test))
    logging.getLogger(__name__).info("Model has a coefficient R^2 of %.3f on test data.", score)
