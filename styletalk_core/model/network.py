"""The StyleTalk expression network: phoneme windows + style clip -> 64-dim expression curves."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .config import StyleTalkConfig


def sinusoid_table(n_position: int, d_model: int) -> torch.Tensor:
    """(1, n, d) sinusoid position table, computed in float64 as the official code does."""
    pos = np.arange(n_position, dtype=np.float64)[:, None]
    j = np.arange(d_model)
    angle = pos / np.power(10000.0, 2 * (j // 2) / d_model)
    table = np.where(j % 2 == 0, np.sin(angle), np.cos(angle))
    return torch.from_numpy(table[None].astype(np.float32))


class PositionTable(nn.Module):
    def __init__(self, n_position: int, d_model: int):
        super().__init__()
        self.register_buffer("pos_table", sinusoid_table(n_position, d_model))

    def forward(self, length: int) -> torch.Tensor:
        return self.pos_table[0, :length]  # (length, C)


class Attention(nn.Module):
    """Multi-head attention with torch's MultiheadAttention parameter layout, batch-first.

    Leading dims of query and key/value broadcast against each other, so a query shared by
    every frame is projected once.
    """

    def __init__(self, d_model: int, nhead: int, dropout: float):
        super().__init__()
        self.nhead = nhead
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d_model))
        self.out_proj = nn.Linear(d_model, d_model)
        self.dropout = nn.Dropout(dropout)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        *lead, n, c = x.shape
        return x.reshape(*lead, n, self.nhead, c // self.nhead).transpose(-2, -3)

    def forward(
        self, query: torch.Tensor, kv: torch.Tensor, key_padding_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        # query (..., Lq, C), kv (..., Lk, C), key_padding_mask (..., Lk) with True = ignore
        c = query.shape[-1]
        w, b = self.in_proj_weight, self.in_proj_bias
        q = self._heads(F.linear(query, w[:c], b[:c]))
        k, v = (self._heads(t) for t in F.linear(kv, w[c:], b[c:]).chunk(2, dim=-1))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(c // self.nhead)
        if key_padding_mask is not None:
            scores = scores.masked_fill(key_padding_mask[..., None, None, :], float("-inf"))
        attn = self.dropout(scores.softmax(dim=-1))
        out = torch.matmul(attn, v).transpose(-2, -3)
        return self.out_proj(out.reshape(*out.shape[:-2], c))


class EncoderLayer(nn.Module):
    """Post-norm transformer encoder layer (positions are added once, before the first layer)."""

    def __init__(self, cfg: StyleTalkConfig):
        super().__init__()
        d, ff = cfg.d_model, cfg.dim_feedforward
        self.self_attn = Attention(d, cfg.nhead, cfg.dropout)
        self.linear1 = nn.Linear(d, ff)
        self.linear2 = nn.Linear(ff, d)
        self.norm1 = nn.LayerNorm(d)
        self.norm2 = nn.LayerNorm(d)
        self.dropout = nn.Dropout(cfg.dropout)
        self.dropout1 = nn.Dropout(cfg.dropout)
        self.dropout2 = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.norm1(x + self.dropout1(self.self_attn(x, x, key_padding_mask)))
        ff = self.linear2(self.dropout(F.relu(self.linear1(x), inplace=True)))  # in place: the FFN's largest tensor
        return self.norm2(x + self.dropout2(ff))


class Encoder(nn.Module):
    def __init__(self, cfg: StyleTalkConfig, num_layers: int):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(cfg) for _ in range(num_layers))

    def forward(self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, key_padding_mask)
        return x


class ContentEncoder(nn.Module):
    """Phoneme windows (N, W) -> per-window features (N, W, C); each window is independent."""

    def __init__(self, cfg: StyleTalkConfig):
        super().__init__()
        self.ph_embedding = nn.Embedding(cfg.num_phonemes, cfg.ph_embed_dim)
        self.increase_embed_dim = nn.Linear(cfg.ph_embed_dim, cfg.d_model)
        self.pos_embed = PositionTable(cfg.window, cfg.d_model)
        self.encoder = Encoder(cfg, cfg.content_layers)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        x = self.increase_embed_dim(self.ph_embedding(windows))
        return self.encoder(x + self.pos_embed(windows.shape[-1]))


class SelfAttentionPooling(nn.Module):
    def __init__(self, d_model: int):
        super().__init__()
        self.W = nn.Sequential(nn.Linear(d_model, d_model), nn.Mish(), nn.Linear(d_model, 1))

    def forward(self, h: torch.Tensor, pad_mask: torch.Tensor | None) -> torch.Tensor:
        logit = self.W(h).squeeze(-1)  # (B, L)
        if pad_mask is not None:
            # The official code uses a finite -1e5, not -inf; padded weights still come out 0.
            logit = logit + pad_mask.to(logit.dtype) * -100000.0
        weights = logit.softmax(dim=-1)
        return torch.einsum("bl,blc->bc", weights, h)


class StyleEncoder(nn.Module):
    """Expression clip (B, L, 64) + pad mask (B, L) -> style code (B, C)."""

    def __init__(self, cfg: StyleTalkConfig):
        super().__init__()
        self.increase_embed_dim = nn.Linear(cfg.exp_dim, cfg.d_model)
        self.pos_embed = PositionTable(cfg.style_max_len, cfg.d_model)
        self.encoder = Encoder(cfg, cfg.style_layers)
        self.aggregate_method = SelfAttentionPooling(cfg.d_model)

    def forward(self, clip: torch.Tensor, pad_mask: torch.Tensor | None = None) -> torch.Tensor:
        x = self.increase_embed_dim(clip) + self.pos_embed(clip.shape[1])
        h = self.encoder(x, pad_mask)
        return self.aggregate_method(h, pad_mask)


class DynamicLinear(nn.Module):
    """Linear layer whose weight is a style-dependent softmax mix of K candidate kernels."""

    def __init__(self, cfg: StyleTalkConfig, in_dim: int, out_dim: int):
        super().__init__()
        k, hidden = cfg.dynamic_k, cfg.d_model // cfg.dynamic_ratio
        self.temperature = cfg.dynamic_temperature
        self.weight = nn.Parameter(torch.empty(k, out_dim, in_dim))
        self.bias = nn.Parameter(torch.empty(k, out_dim))
        self.attention = nn.Sequential(
            nn.Linear(cfg.d_model, hidden, bias=False), nn.ReLU(), nn.Linear(hidden, k, bias=False)
        )
        for i in range(k):
            nn.init.kaiming_uniform_(self.weight[i], a=math.sqrt(5))
        bound = 1 / math.sqrt(in_dim)
        nn.init.uniform_(self.bias, -bound, bound)

    def mixing_weights(self, style: torch.Tensor) -> torch.Tensor:
        return (self.attention(style) / self.temperature).softmax(dim=-1)  # (B, K)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        # x (B, ..., in) where every row of batch element b shares style[b]
        pi = self.mixing_weights(style)
        weight = torch.einsum("bk,koi->boi", pi, self.weight)
        bias = pi @ self.bias
        if weight.shape[0] == 1:
            return F.linear(x, weight[0], bias[0])
        flat = x.reshape(x.shape[0], -1, x.shape[-1])
        y = torch.baddbmm(bias[:, None], flat, weight.transpose(1, 2))
        return y.reshape(*x.shape[:-1], -1)


class DecoderLayer(nn.Module):
    """Post-norm decoder layer: self-attention over the window, cross-attention to the content,
    style-dynamic FFN."""

    def __init__(self, cfg: StyleTalkConfig):
        super().__init__()
        d, ff = cfg.d_model, cfg.dim_feedforward
        self.self_attn = Attention(d, cfg.nhead, cfg.dropout)
        self.multihead_attn = Attention(d, cfg.nhead, cfg.dropout)
        self.linear1 = DynamicLinear(cfg, d, ff)
        self.linear2 = nn.Linear(ff, d)
        self.norm1 = nn.LayerNorm(d)
        self.norm2 = nn.LayerNorm(d)
        self.norm3 = nn.LayerNorm(d)
        self.dropout = nn.Dropout(cfg.dropout)
        self.dropout1 = nn.Dropout(cfg.dropout)
        self.dropout2 = nn.Dropout(cfg.dropout)
        self.dropout3 = nn.Dropout(cfg.dropout)

    def forward(
        self,
        x: torch.Tensor,
        memory: torch.Tensor,
        style: torch.Tensor,
        query_index: int | None = None,
    ) -> torch.Tensor:
        # x (B, 1 or T, W, C): the first layer's query is the same for every frame, so it stays
        # un-expanded until cross-attention broadcasts it against memory (B, T, W, C).
        # query_index: compute only that window position (the last layer needs only the centre).
        q = x if query_index is None else x[..., query_index : query_index + 1, :]
        x = self.norm1(q + self.dropout1(self.self_attn(q, x)))
        x = self.norm2(x + self.dropout2(self.multihead_attn(x, memory)))
        ff = self.linear2(self.dropout(F.relu(self.linear1(x, style), inplace=True)))
        return self.norm3(x + self.dropout3(ff))


class DynamicDecoder(nn.Module):
    def __init__(self, cfg: StyleTalkConfig):
        super().__init__()
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.decoder_layers))
        self.norm = nn.LayerNorm(cfg.d_model)

    def forward(self, query: torch.Tensor, memory: torch.Tensor, style: torch.Tensor, centre: int) -> torch.Tensor:
        x = query
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            x = layer(x, memory, style, query_index=centre if i == last else None)
        return self.norm(x[..., 0, :])  # (B, T, C) at the window centre


def _tail(d_model: int, hidden: int, out_dim: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(d_model, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, out_dim)
    )


class DisentangleDecoder(nn.Module):
    """Content (B, T, W, C) + style code (B, C) -> expression (B, T, 64) via upper/lower decoders."""

    def __init__(self, cfg: StyleTalkConfig):
        super().__init__()
        self.upper_decoder = DynamicDecoder(cfg)
        self.lower_decoder = DynamicDecoder(cfg)
        self.pos_embed = PositionTable(cfg.window, cfg.d_model)
        self.upper_tail_fc = _tail(cfg.d_model, cfg.tail_hidden, len(cfg.upper_indices))
        self.lower_tail_fc = _tail(cfg.d_model, cfg.tail_hidden, len(cfg.lower_indices))
        self.register_buffer("upper_indices", torch.tensor(cfg.upper_indices), persistent=False)
        self.register_buffer("lower_indices", torch.tensor(cfg.lower_indices), persistent=False)
        self.exp_dim = cfg.exp_dim
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def decoder_features(self, content: torch.Tensor, style_code: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Centre-position outputs (B, T, C) of the upper and lower decoders."""
        w = content.shape[2]
        query = (self.pos_embed(w) + style_code[:, None, :])[:, None]  # (B, 1, W, C)
        return (
            self.upper_decoder(query, content, style_code, w // 2),
            self.lower_decoder(query, content, style_code, w // 2),
        )

    def forward(self, content: torch.Tensor, style_code: torch.Tensor) -> torch.Tensor:
        upper, lower = self.decoder_features(content, style_code)
        out = upper.new_zeros(*upper.shape[:2], self.exp_dim)
        out[..., self.upper_indices] = self.upper_tail_fc(upper)
        out[..., self.lower_indices] = self.lower_tail_fc(lower)
        return out


class PhonemePrior(nn.Module):
    """Phoneme windows (B, T, W) -> lower-face motion (B, T, D): one weight vector per (window
    position, phoneme), summed over the window, plus a bias (a linear map of one-hot windows), at the
    training clips' typical amplitude; `motion_gain` scales it to a style clip's own."""

    MIN_GAIN, MAX_GAIN = 0.5, 2.0

    def __init__(self, cfg: StyleTalkConfig):
        super().__init__()
        self.num_phonemes = cfg.num_phonemes
        self.table = nn.Embedding(cfg.window * cfg.num_phonemes, len(cfg.lower_indices))
        self.bias = nn.Parameter(torch.zeros(len(cfg.lower_indices)))
        nn.init.zeros_(self.table.weight)
        self.register_buffer("opening", torch.zeros(len(cfg.lower_indices)))  # px of mouth opening per unit
        self.register_buffer("motion_scale", torch.ones(()))  # the training clips' median opening std
        self.register_buffer("lower_indices", torch.tensor(cfg.lower_indices), persistent=False)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        offsets = torch.arange(windows.shape[-1], device=windows.device) * self.num_phonemes
        return self.table(windows + offsets).sum(-2) + self.bias

    def motion_gain(self, clip: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """(B, L, 64) clips, (B, L) weights of the unpadded frames -> (B,) the clip's mouth-opening std
        over the training clips' typical one, in [MIN_GAIN, MAX_GAIN]; 1 for a clip that does not move
        (the neutral code, so that strength scales motion about the prior's own amplitude)."""
        open_ = clip[..., self.lower_indices] @ self.opening  # (B, L)
        n = keep.sum(1).clamp_min(1.0)
        mean = (open_ * keep).sum(1) / n
        std = (((open_ - mean[:, None]) ** 2 * keep).sum(1) / n).sqrt()
        gain = (std / self.motion_scale).clamp(self.MIN_GAIN, self.MAX_GAIN)
        return torch.where(std > 1e-6, gain, torch.ones_like(gain))


class StyleTalk(nn.Module):
    def __init__(self, cfg: StyleTalkConfig | None = None):
        super().__init__()
        self.config = cfg or StyleTalkConfig.official()
        self.content_encoder = ContentEncoder(self.config)
        self.style_encoder = StyleEncoder(self.config)
        self.decoder = DisentangleDecoder(self.config)
        self.phoneme_prior = None
        if self.config.phoneme_prior:  # the decoders start as "no change": the prior on the style's level
            self.phoneme_prior = PhonemePrior(self.config)
            for tail in (self.decoder.lower_tail_fc, self.decoder.upper_tail_fc):
                nn.init.zeros_(tail[-1].weight)
                nn.init.zeros_(tail[-1].bias)

    def encode_style(self, clip: torch.Tensor, pad_mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, L, 64) style clips -> (B, style_code_dim) codes: the pooled encoder output, then (with
        `style_level`) the clip's mean expression over unpadded frames, then (with `phoneme_prior`) the
        clip's mouth-motion gain."""
        code = self.style_encoder(clip, pad_mask)
        keep = clip.new_ones(clip.shape[:2]) if pad_mask is None else (~pad_mask).to(clip.dtype)
        parts = [code]
        if self.config.style_level:
            parts.append((clip * keep[..., None]).sum(1) / keep.sum(1, keepdim=True).clamp_min(1.0))
        if self.phoneme_prior is not None:
            parts.append(self.phoneme_prior.motion_gain(clip, keep)[:, None])
        return torch.cat(parts, dim=-1) if len(parts) > 1 else code

    def split_code(self, style_code: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """(learned code (B, d_model), level (B, 64) or None, motion gain (B,) or None)."""
        d = self.config.d_model
        level = style_code[..., d : d + self.config.exp_dim] if self.config.style_level else None
        gain = style_code[..., -1] if self.phoneme_prior is not None else None
        return style_code[..., :d], level, gain

    def decode(self, windows: torch.Tensor, style_code: torch.Tensor) -> torch.Tensor:
        """windows (B, T, W) phoneme ids, style_code (B, style_code_dim) -> expression (B, T, 64)."""
        code, level, gain = self.split_code(style_code)
        out = self.decoder(self.content_encoder(windows), code)
        if self.phoneme_prior is not None:
            prior = self.phoneme_prior(windows) * gain[:, None, None]
            out = out.index_add(-1, self.decoder.lower_indices, prior)
        return out if level is None else out + level[:, None, :]

    def forward(self, windows: torch.Tensor, clip: torch.Tensor, pad_mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.decode(windows, self.encode_style(clip, pad_mask))
