"""The networks' stages: shapes and parameter counts from the layers, receptive fields by the
formula r_out = r_in + (k − 1)·j, j_out = j·s."""

import torch

from deepbook.models import nets


def test_digits_cnn_is_the_chapters_pipeline():
    names = [s.name for s in nets.stages(nets.digits_cnn())]
    assert names == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc"]


def test_shapes_and_parameters_come_from_the_layers():
    for make in (nets.digits_cnn, nets.fashion_cnn):
        net = make()
        x = torch.zeros(2, 1, 28, 28)
        for stage, (_, layer) in zip(nets.stages(net), net.named_children(), strict=True):
            x = layer(x)
            assert stage.shape == tuple(x.shape[1:])
            assert stage.params == sum(p.numel() for p in layer.parameters())
        assert x.shape == (2, 10)


def test_receptive_fields_follow_the_formula():
    fields = {s.name: s.receptive_field for s in nets.stages(nets.digits_cnn())}
    # conv 3×3: 1 + 2 = 3; pool 2: 3 + 1 = 4 (jump 2); conv: 4 + 2·2 = 8; pool: 8 + 2 = 10
    assert (fields["conv1"], fields["pool1"], fields["conv2"], fields["pool2"]) == (3, 4, 8, 10)
    deep = {s.name: s.receptive_field for s in nets.stages(nets.fashion_cnn())}
    assert [deep[f"conv{b}"] for b in range(1, 5)] == [3, 8, 18, 38]  # the last sees all 28 px
    assert deep["flatten"] is None


def test_the_window_is_where_the_gradient_reaches_with_padding():
    """Block 2 of the padded clothing CNN: the cell (7, 7) sees input rows and columns 11–18."""
    net = nets.fashion_cnn()
    linear = torch.nn.Sequential(net.conv1, torch.nn.AvgPool2d(2), net.conv2)
    x = torch.rand(1, 1, 28, 28, requires_grad=True)
    linear(x)[0, :, 7, 7].sum().backward()
    rows, cols = torch.nonzero(x.grad[0, 0], as_tuple=True)
    got = [int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1]
    assert got == nets.window(net, "conv2", 7, 7) == [11, 19, 11, 19]
    assert nets.window(net, "relu4", 1, 1) == [0, 28, 0, 28]  # clipped to the image


def test_a_receptive_field_is_what_the_gradient_reaches():
    """The input pixels that can change one output cell of conv2 form an 8×8 square. (ReLU and
    max-pool pass gradients to only some pixels; with them left out, or made average pooling of
    the same size, every pixel of the field is reached.)"""
    net = nets.digits_cnn()
    linear = torch.nn.Sequential(net.conv1, torch.nn.AvgPool2d(2), net.conv2)
    x = torch.rand(1, 1, 28, 28, requires_grad=True)
    out = linear(x)
    out[0, :, 5, 5].sum().backward()
    rows, cols = torch.nonzero(x.grad[0, 0], as_tuple=True)
    assert (int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1) == (8, 8)
