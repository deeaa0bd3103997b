"""Network factories injected into the models from config (``_partial_: true``).

A factory is called by the model with the sizes only the model knows (input width, K, z), so
configs never have to add numbers together.
"""

from collections.abc import Sequence

from torch import Tensor, nn


class MLP(nn.Module):
    """Linear + ReLU layers; with ``out_features`` a final linear layer without activation.

    Without ``out_features`` the output is the last hidden layer (after ReLU): a feature network.
    """

    def __init__(
        self, in_features: int, hidden: Sequence[int], out_features: int | None = None
    ) -> None:
        super().__init__()
        if not hidden and out_features is None:
            raise ValueError("an MLP needs hidden layers or an output size")
        layers: list[nn.Module] = []
        width = in_features
        for size in hidden:
            layers += [nn.Linear(width, size), nn.ReLU()]
            width = size
        if out_features is not None:
            layers.append(nn.Linear(width, out_features))
            width = out_features
        self.layers = nn.Sequential(*layers)
        self.out_features = width

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)
