"""scikit-learn's bundled 8×8 digits (1,797 images): trains in seconds, needs no files."""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from gmvae_lightning.data.base import InMemoryDataModule, Splits


class DigitsDataModule(InMemoryDataModule):
    """Grey levels 0..16 scaled to [0, 1]; a seeded stratified test split of ``test_size``."""

    def __init__(self, *args, test_size: float = 0.2, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.test_size = test_size

    def prepare_data(self) -> None:
        """Nothing to fetch: the data ship with scikit-learn."""

    def load_splits(self) -> Splits:
        x, y = load_digits(return_X_y=True)
        x_train, x_test, y_train, y_test = train_test_split(
            (x / 16.0).astype(np.float32),
            y.astype(np.int64),
            test_size=self.test_size,
            stratify=y,
            random_state=self.split_seed,
        )
        return Splits(x_train, y_train, x_test, y_test)
