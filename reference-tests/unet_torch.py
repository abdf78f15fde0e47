"""PyTorch twin of DeepStroke's UNet3D (the architecture spelled out in shared/data/nn_fixture/README.md).

Used only by the reference tests and benchmarks; module names match the Swift state dict.
"""
import torch
import torch.nn as nn


class SqueezeExcite3D(nn.Module):
    def __init__(self, c, reduction=4):
        super().__init__()
        hidden = max(1, c // reduction)
        self.fc1 = nn.Linear(c, hidden)
        self.fc2 = nn.Linear(hidden, c)

    def forward(self, x):
        s = x.mean(dim=(2, 3, 4))
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        return x * s[:, :, None, None, None]


class ResBlock3D(nn.Module):
    def __init__(self, cin, cout, stride, dropout=0.2, se=True):
        super().__init__()
        self.conv1 = nn.Conv3d(cin, cout, 3, stride, 1, bias=False)
        self.norm1 = nn.BatchNorm3d(cout)
        self.drop = nn.Dropout3d(dropout)
        self.conv2 = nn.Conv3d(cout, cout, 3, 1, 1, bias=False)
        self.norm2 = nn.BatchNorm3d(cout)
        self.se = SqueezeExcite3D(cout) if se else None
        if stride != 1 or cin != cout:
            self.skip_conv = nn.Conv3d(cin, cout, 1, stride, 0, bias=False)
            self.skip_norm = nn.BatchNorm3d(cout)
        else:
            self.skip_conv = None

    def forward(self, x):
        h = self.drop(torch.relu(self.norm1(self.conv1(x))))
        h = self.norm2(self.conv2(h))
        if self.se is not None:
            h = self.se(h)
        r = x if self.skip_conv is None else self.skip_norm(self.skip_conv(x))
        return torch.relu(h + r)


class UNetEncoder3D(nn.Module):
    def __init__(self, cin, chans, dropout, se):
        super().__init__()
        self.stages = nn.ModuleList(
            [ResBlock3D(cin if i == 0 else chans[i - 1], chans[i], 1 if i == 0 else 2, dropout, se)
             for i in range(len(chans))])

    def forward(self, x):
        feats = []
        for s in self.stages:
            x = s(x)
            feats.append(x)
        return feats


class UpBlock3D(nn.Module):
    def __init__(self, cin, cout, dropout, se):
        super().__init__()
        self.up = nn.ConvTranspose3d(cin, cout, 2, 2)
        self.block = ResBlock3D(2 * cout, cout, 1, dropout, se)

    def forward(self, x, skip):
        return self.block(torch.cat([self.up(x), skip], dim=1))


class CNNDecoder3D(nn.Module):
    def __init__(self, chans, dropout, se):
        super().__init__()
        L = len(chans)
        self.ups = nn.ModuleList([UpBlock3D(chans[L - 1 - i], chans[L - 2 - i], dropout, se) for i in range(L - 1)])

    def forward(self, feats):
        y = feats[-1]
        for i, up in enumerate(self.ups):
            y = up(y, feats[-2 - i])
        return y


class UNet3D(nn.Module):
    def __init__(self, in_channels=1, classes=11, base_channels=8, levels=5, dropout=0.2, se=True):
        super().__init__()
        chans = [base_channels << i for i in range(levels)]
        self.encoder = UNetEncoder3D(in_channels, chans, dropout, se)
        self.decoder = CNNDecoder3D(chans, dropout, se)
        self.head = nn.Conv3d(base_channels, classes, 1)

    def forward(self, x):
        return self.head(self.decoder(self.encoder(x)))
