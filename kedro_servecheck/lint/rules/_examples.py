"""Building blocks of the rules' examples: a trained model in the catalog, and its file."""

MODEL = """\
model:
  type: pickle.PickleDataset
  filepath: data/06_models/model.pkl
"""
MODEL_FILE = ("data/06_models/model.pkl",)
PREDICT = "predict(features, model) -> predictions"
