"""The PIRenderer-style face generator: mapping net -> warping net (flow) -> editing net."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class RendererConfig:
    coeff_nc: int = 73
    descriptor_nc: int = 256
    mapping_layers: int = 3
    warp_encoder_layers: int = 5
    warp_decoder_layers: int = 3
    warp_base_nc: int = 32
    edit_layers: int = 3
    edit_res_blocks: int = 2
    edit_base_nc: int = 64
    image_nc: int = 3
    max_nc: int = 256

    @classmethod
    def official(cls) -> RendererConfig:
        return cls()


def _lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.1)


def _lrelu_(x: torch.Tensor) -> torch.Tensor:
    """In place, on a tensor nothing else holds (a norm's fresh output) outside autograd."""
    return F.leaky_relu_(x, 0.1) if not torch.is_grad_enabled() else F.leaky_relu(x, 0.1)


class LayerNorm2d(nn.Module):
    """Normalises each sample over (C, H, W) jointly, then a per-channel affine."""

    def __init__(self, channels: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (x - mean) * rstd * weight + bias as one per-sample, per-channel scale and shift: x * a + b
        var, mean = torch.var_mean(x.float(), dim=(1, 2, 3), keepdim=True, correction=0)
        rstd = torch.rsqrt(var + 1e-5)
        scale = self.weight[None] * rstd
        return torch.addcmul((self.bias[None] - mean * scale).to(x.dtype), x, scale.to(x.dtype))


class LeakyReLU(nn.Module):
    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _lrelu_(x) if self.inplace else _lrelu(x)


class ADAIN(nn.Module):
    """Instance norm modulated by the motion descriptor: IN(x) * (1 + gamma) + beta."""

    def __init__(self, channels: int, feature_nc: int, hidden: int = 128):
        super().__init__()
        self.mlp_shared = nn.Sequential(nn.Linear(feature_nc, hidden), nn.ReLU())
        self.mlp_gamma = nn.Linear(hidden, channels)
        self.mlp_beta = nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = self.mlp_shared(z)
        gamma, beta = self.mlp_gamma(h)[..., None, None], self.mlp_beta(h)[..., None, None]
        # IN(x) * (1 + gamma) + beta as one scale and shift per sample and channel: x * a + b
        var, mean = torch.var_mean(x.float(), dim=(2, 3), keepdim=True, correction=0)
        scale = (1 + gamma) * torch.rsqrt(var + 1e-5)
        return torch.addcmul((beta - mean * scale).to(x.dtype), x, scale.to(x.dtype))


class MappingNet(nn.Module):
    """(B, 73, 27) coefficient windows -> (B, 256) motion descriptor."""

    def __init__(self, cfg: RendererConfig):
        super().__init__()
        d = cfg.descriptor_nc
        self.first = nn.Sequential(nn.Conv1d(cfg.coeff_nc, d, 7))
        for i in range(cfg.mapping_layers):
            setattr(self, f"encoder{i}", nn.Sequential(LeakyReLU(), nn.Conv1d(d, d, 3, dilation=3)))
        self.layers = cfg.mapping_layers

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        out = self.first(windows)
        for i in range(self.layers):
            out = getattr(self, f"encoder{i}")(out) + out[:, :, 3:-3]
        return out.mean(dim=-1)


class ADAINEncoderBlock(nn.Module):
    def __init__(self, cin: int, cout: int, feature_nc: int):
        super().__init__()
        self.norm_0 = ADAIN(cin, feature_nc)
        self.norm_1 = ADAIN(cout, feature_nc)
        self.conv_0 = nn.Conv2d(cin, cout, 4, 2, 1)
        self.conv_1 = nn.Conv2d(cout, cout, 3, 1, 1)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        x = self.conv_0(_lrelu_(self.norm_0(x, z)))
        return self.conv_1(_lrelu_(self.norm_1(x, z)))


class ADAINDecoderBlock(nn.Module):
    def __init__(self, cin: int, cout: int, feature_nc: int):
        super().__init__()
        self.norm_0 = ADAIN(cin, feature_nc)
        self.norm_1 = ADAIN(cout, feature_nc)
        self.norm_s = ADAIN(cin, feature_nc)
        self.conv_0 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.conv_1 = nn.ConvTranspose2d(cout, cout, 3, 2, 1, output_padding=1)
        self.conv_s = nn.ConvTranspose2d(cin, cout, 3, 2, 1, output_padding=1)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        shortcut = self.conv_s(_lrelu_(self.norm_s(x, z)))
        main = self.conv_1(_lrelu_(self.norm_1(self.conv_0(_lrelu_(self.norm_0(x, z))), z)))
        return shortcut + main


class HourglassEncoder(nn.Module):
    def __init__(self, cfg: RendererConfig):
        super().__init__()
        base, mx, d = cfg.warp_base_nc, cfg.max_nc, cfg.descriptor_nc
        self.input_layer = nn.Conv2d(cfg.image_nc, base, 7, 1, 3)
        self.layers = cfg.warp_encoder_layers
        for i in range(self.layers):
            cin, cout = min(base * 2**i, mx), min(base * 2 ** (i + 1), mx)
            setattr(self, f"encoder{i}", ADAINEncoderBlock(cin, cout, d))

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> list[torch.Tensor]:
        out = [self.input_layer(x)]
        for i in range(self.layers):
            out.append(getattr(self, f"encoder{i}")(out[-1], z))
        return out


class HourglassDecoder(nn.Module):
    def __init__(self, cfg: RendererConfig):
        super().__init__()
        base, mx, d = cfg.warp_base_nc, cfg.max_nc, cfg.descriptor_nc
        self.order = list(range(cfg.warp_encoder_layers - 1, cfg.warp_encoder_layers - 1 - cfg.warp_decoder_layers, -1))
        for i in self.order:
            cin = min(base * 2 ** (i + 1), mx) * (1 if i == cfg.warp_encoder_layers - 1 else 2)
            setattr(self, f"decoder{i}", ADAINDecoderBlock(cin, min(base * 2**i, mx), d))

    def forward(self, feats: list[torch.Tensor], z: torch.Tensor) -> torch.Tensor:
        skips = list(feats)
        h = skips.pop()
        for i in self.order:
            h = torch.cat([getattr(self, f"decoder{i}")(h, z), skips.pop()], dim=1)
        return h


class Hourglass(nn.Module):
    def __init__(self, cfg: RendererConfig):
        super().__init__()
        self.encoder = HourglassEncoder(cfg)
        self.decoder = HourglassDecoder(cfg)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x, z), z)


def flow_to_deformation(flow: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Pixel flow (B, 2, h, w) -> sampling grid (B, H, W, 2), exactly as the official flow_util:
    align_corners=True-style base grid, bilinear upsampling with align_corners=False."""
    b, _, h, w = flow.shape
    xs = 2 * (torch.arange(w, dtype=flow.dtype, device=flow.device) / (w - 1)) - 1
    ys = 2 * (torch.arange(h, dtype=flow.dtype, device=flow.device) / (h - 1)) - 1
    grid = torch.stack([xs[None, :].expand(h, w), ys[:, None].expand(h, w)], dim=-1)
    scale = torch.tensor([2 / (w - 1), 2 / (h - 1)], dtype=flow.dtype, device=flow.device)
    deformation = grid + flow.permute(0, 2, 3, 1) * scale
    if (h, w) != tuple(size):
        deformation = F.interpolate(deformation.permute(0, 3, 1, 2), size=size, mode="bilinear", align_corners=False)
        deformation = deformation.permute(0, 2, 3, 1)
    return deformation


class WarpingNet(nn.Module):
    def __init__(self, cfg: RendererConfig):
        super().__init__()
        self.hourglass = Hourglass(cfg)
        out_nc = min(cfg.warp_base_nc * 2 ** (cfg.warp_encoder_layers - cfg.warp_decoder_layers), cfg.max_nc) * 2
        self.flow_out = nn.Sequential(LayerNorm2d(out_nc), LeakyReLU(inplace=True), nn.Conv2d(out_nc, 2, 7, 1, 3))

    def forward(self, image: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        flow = self.flow_out(self.hourglass(image, z))
        deformation = flow_to_deformation(flow, image.shape[2:])
        warped = F.grid_sample(image, deformation, mode="bilinear", padding_mode="zeros", align_corners=False)
        return flow, warped


class ConvBlock(nn.Module):
    """model = [Conv2d(k), LayerNorm2d, lrelu, (AvgPool2d(2))] with the official Sequential indices."""

    def __init__(self, cin: int, cout: int, k: int, pool: bool = False):
        super().__init__()
        layers = [nn.Conv2d(cin, cout, k, 1, k // 2), LayerNorm2d(cout), LeakyReLU(inplace=True)]
        self.model = nn.Sequential(*layers, *([nn.AvgPool2d(2)] if pool else []))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def upsampled_conv3x3(x: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """conv3x3(nearest 2x upsample of x), computed on x: each of the four output phases sees a 2x2
    neighbourhood of x with summed taps, so one 2x2 convolution with 4x the outputs, then a pixel
    shuffle (2.25x fewer multiply-adds; the same sums, re-associated)."""
    w = conv.weight
    # rows/columns of the 3x3 kernel that fall on the two source rows, for phase 0 and phase 1
    taps = (((0,), (1, 2)), ((0, 1), (2,)))
    phases = []
    for a in range(2):
        for b in range(2):
            rows = [w[:, :, list(r)].sum(2) for r in taps[a]]  # 2 x (cout, cin, 3)
            k = torch.stack([torch.stack([r[..., list(c)].sum(-1) for c in taps[b]], -1) for r in rows], -2)
            phases.append(k)
    cout, h, wd = w.shape[0], x.shape[2], x.shape[3]
    weight = torch.stack(phases, 1).reshape(cout * 4, w.shape[1], 2, 2)
    y = F.conv2d(F.pad(x, (1, 1, 1, 1)), weight)
    y = y.view(y.shape[0], cout, 4, h + 1, wd + 1)
    parts = [y[:, :, 2 * a + b, a : a + h, b : b + wd] for a in range(2) for b in range(2)]
    out = F.pixel_shuffle(torch.stack(parts, 2).reshape(y.shape[0], cout * 4, h, wd), 2)
    return out + conv.bias[None, :, None, None] if conv.bias is not None else out


class UpBlock(ConvBlock):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv, rest = self.model[0], self.model[1:]
        return rest(upsampled_conv3x3(x, conv))


class FineEncoder(nn.Module):
    def __init__(self, cfg: RendererConfig):
        super().__init__()
        base, mx = cfg.edit_base_nc, cfg.max_nc
        self.first = ConvBlock(cfg.image_nc * 2, base, 7)
        self.layers = cfg.edit_layers
        for i in range(self.layers):
            setattr(self, f"down{i}", ConvBlock(min(base * 2**i, mx), min(base * 2 ** (i + 1), mx), 3, pool=True))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = [self.first(x)]
        for i in range(self.layers):
            out.append(getattr(self, f"down{i}")(out[-1]))
        return out


class FineADAINResBlock2d(nn.Module):
    """Official block: conv1/norm1 exist (checkpoint keys) but never affect the output; the live
    path is x + ADAIN(conv2(x)) with no activation. Kept for parity with released weights."""

    def __init__(self, channels: int, feature_nc: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, 1, 1)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1)
        self.norm1 = ADAIN(channels, feature_nc)
        self.norm2 = ADAIN(channels, feature_nc)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return x + self.norm2(self.conv2(x), z)


class FineADAINResBlocks(nn.Module):
    def __init__(self, num_blocks: int, channels: int, feature_nc: int):
        super().__init__()
        self.num_blocks = num_blocks
        for i in range(num_blocks):
            setattr(self, f"res{i}", FineADAINResBlock2d(channels, feature_nc))

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        for i in range(self.num_blocks):
            x = getattr(self, f"res{i}")(x, z)
        return x


class FinalBlock(nn.Module):
    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(cin, cout, 7, 1, 3), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class FineDecoder(nn.Module):
    def __init__(self, cfg: RendererConfig):
        super().__init__()
        base, mx, d = cfg.edit_base_nc, cfg.max_nc, cfg.descriptor_nc
        self.layers = cfg.edit_layers
        for i in range(self.layers):
            cin, cout = min(base * 2 ** (i + 1), mx), min(base * 2**i, mx)
            setattr(self, f"res{i}", FineADAINResBlocks(cfg.edit_res_blocks, cin, d))
            setattr(self, f"up{i}", UpBlock(cin, cout, 3))
            setattr(self, f"jump{i}", ConvBlock(cout, cout, 3))
        self.final = FinalBlock(base, cfg.image_nc)

    def forward(self, feats: list[torch.Tensor], z: torch.Tensor) -> torch.Tensor:
        skips = list(feats)
        h = skips.pop()
        for i in reversed(range(self.layers)):
            h = getattr(self, f"up{i}")(getattr(self, f"res{i}")(h, z))
            h = getattr(self, f"jump{i}")(skips.pop()) + h
        return self.final(h)


class EditingNet(nn.Module):
    def __init__(self, cfg: RendererConfig):
        super().__init__()
        self.encoder = FineEncoder(cfg)
        self.decoder = FineDecoder(cfg)

    def forward(self, image: torch.Tensor, warped: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(torch.cat([image, warped], dim=1)), z)


class FaceGenerator(nn.Module):
    """source image (B, 3, 256, 256) in [-1, 1] + windows (B, 73, 27) -> rendered frame."""

    def __init__(self, cfg: RendererConfig | None = None):
        super().__init__()
        self.config = cfg or RendererConfig.official()
        self.mapping_net = MappingNet(self.config)
        self.warping_net = WarpingNet(self.config)
        self.editing_net = EditingNet(self.config)

    def forward(self, image: torch.Tensor, windows: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.mapping_net(windows)
        flow, warped = self.warping_net(image, z)
        fake = self.editing_net(image, warped, z)
        return {"descriptor": z, "flow_field": flow, "warp_image": warped, "fake_image": fake}
