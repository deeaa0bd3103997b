"""Network factories injected into the models from config (``_partial_: true``).

A factory is called by the model with the sizes only the model knows (input width, K, z), so
configs never have to add numbers together.
"""

import itertools
from collections.abc import Sequence

import torch
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


class ConvEncoder(nn.Module):
    """Stride-2 convolutions over the image, then linear layers: a feature network for images.

    The model passes flat inputs of ``in_features`` values; the first ``C·H·W`` of them are the
    image (``input_shape``), any others (the GMVAE's one-hot c) join after the convolutions.
    """

    def __init__(
        self,
        in_features: int,
        input_shape: Sequence[int],
        channels: Sequence[int] = (32, 64),
        hidden: Sequence[int] = (512,),
    ) -> None:
        super().__init__()
        self.input_shape = tuple(int(size) for size in input_shape)
        if len(self.input_shape) != 3:
            raise ValueError(f"a convolutional encoder needs (C, H, W) images, got {input_shape}")
        self.image_size = self.input_shape[0] * self.input_shape[1] * self.input_shape[2]
        if in_features < self.image_size:
            raise ValueError(f"{in_features} inputs cannot hold {self.input_shape} images")
        layers: list[nn.Module] = []
        width = self.input_shape[0]
        for size in channels:
            layers += [nn.Conv2d(width, size, 4, stride=2, padding=1), nn.ReLU()]
            width = size
        self.convolutions = nn.Sequential(*layers, nn.Flatten())
        # each stride-2 convolution (kernel 4, padding 1) halves the side, rounding down
        height, side = (size // 2 ** len(channels) for size in self.input_shape[1:])
        flat = width * height * side + in_features - self.image_size
        self.head = MLP(flat, hidden)
        self.out_features = self.head.out_features

    def forward(self, x: Tensor) -> Tensor:
        image, extra = x[:, : self.image_size], x[:, self.image_size :]
        features = self.convolutions(image.reshape(-1, *self.input_shape))
        return self.head(torch.cat([features, extra], dim=-1) if extra.shape[1] else features)


class ConvDecoder(nn.Module):
    """Linear layers to a small feature map, then stride-2 transposed convolutions to the image.

    Mirrors ``ConvEncoder``; returns flat ``(B, C·H·W)`` outputs (logits or means).
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        input_shape: Sequence[int],
        channels: Sequence[int] = (64, 32),
        hidden: Sequence[int] = (512,),
    ) -> None:
        super().__init__()
        self.input_shape = tuple(int(size) for size in input_shape)
        image_channels, height, width = self.input_shape
        if out_features != image_channels * height * width:
            raise ValueError(f"{out_features} outputs do not make {self.input_shape} images")
        scale = 2 ** len(channels)
        if height % scale or width % scale:
            raise ValueError(
                f"images of {height}x{width} are not a multiple of {scale}; "
                "use the MLP networks or fewer channels"
            )
        self.start = (channels[0], height // scale, width // scale)
        self.head = MLP(in_features, [*hidden, channels[0] * (height // scale) * (width // scale)])
        layers: list[nn.Module] = []
        for size, following in itertools.pairwise([*channels, image_channels]):
            layers += [nn.ConvTranspose2d(size, following, 4, stride=2, padding=1), nn.ReLU()]
        self.deconvolutions = nn.Sequential(*layers[:-1])  # no activation on the output
        self.out_features = out_features

    def forward(self, x: Tensor) -> Tensor:
        maps = self.head(x).reshape(-1, *self.start)
        return self.deconvolutions(maps).flatten(1)
