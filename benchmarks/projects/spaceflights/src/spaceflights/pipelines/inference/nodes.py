"""Price the shuttles of a request with the trained regressor."""

import pandas as pd
from sklearn.linear_model import LinearRegression


def build_features(
    shuttles: pd.DataFrame, companies: pd.DataFrame, model_options: dict
) -> pd.DataFrame:
    rated = shuttles.merge(companies, left_on="company_id", right_on="id", how="left")
    return rated[model_options["features"]].fillna(0)


def predict_price(regressor: LinearRegression, features: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"price": regressor.predict(features)}, index=features.index)
