"""Op-database entries for shape and view ops: reshape, permute, expand, cat, split, flip...

Shape ops are linear, so their own second-order check is skipped; the ``sq`` variants apply
them to ``x * x`` so that the rules run again under ``create_graph`` (second order).
Non-contiguous variants (``x.transpose(...)`` first) cover PyTorch's copy-or-alias choices
(``ReshapeAliasBackward0``, ``UnsafeViewBackward0``).
"""

import numpy as np

from . import OpInfo, arr, ints

_x = arr(2, 3, 4)
_m = arr(3, 4)
_v = arr(5)
_s = arr()


def _e(names, call, samples, **kw):
    return OpInfo(names, call, samples, smooth=kw.pop("smooth", False), **kw)


ENTRIES = [
    # ------------------------------------------------------------------ reshape / view
    _e("reshape", lambda lib, x: x.reshape(4, -1), [(_x,)]),
    _e("reshape", lambda lib, x: lib.reshape(x, (6, 4)), [(_x,), (arr(24),)], variant="fn"),
    _e("reshape", lambda lib, x: x.reshape([24]), [(_x,)], variant="list"),
    _e("reshape", lambda lib, x: x.reshape(1, 1), [(_s,)], variant="0d"),
    _e("reshape", lambda lib, x: x.reshape(()), [(arr(1, 1),)], variant="to0d"),
    _e("reshape", lambda lib, x: x.transpose(0, 1).reshape(-1), [(_x,)], variant="copy"),
    _e("reshape", lambda lib, x: x.transpose(0, 1).reshape(3, 2, 4), [(_x,)],
       variant="alias"),
    _e("reshape", lambda lib, x: (x * x).transpose(0, 2).reshape(2, -1), [(_x,)],
       variant="sq", smooth=True),
    _e("view", lambda lib, x: x.view(6, 4), [(_x,)]),
    _e("view", lambda lib, x: x.view(-1), [(_x,), (_s,)], variant="flat"),
    _e("view", lambda lib, x: x.view((3, 8)), [(_x,)], variant="tuple"),
    _e("view", lambda lib, x: x.t().view(2, 2, 3), [(_m,)], variant="noncontig"),
    _e("view", lambda lib, x: (x * x).view(2, 12), [(_x,)], variant="sq", smooth=True),
    _e("view_as", lambda lib, x, y: x.view_as(y), [(_x, ints(6, 4))]),
    _e("reshape_as", lambda lib, x, y: x.t().reshape_as(y), [(_m, ints(2, 6))]),
    _e("flatten", lambda lib, x: x.flatten(), [(_x,), (_s,)]),
    _e("flatten", lambda lib, x: lib.flatten(x, 1), [(_x,)], variant="start"),
    _e("flatten", lambda lib, x: x.flatten(0, -2), [(_x,)], variant="end"),
    _e("flatten", lambda lib, x: x.flatten(-2, -1), [(_x,)], variant="neg"),
    _e("flatten", lambda lib, x: (x.flatten(-1), x.flatten(0, 0)), [(_x,), (_v,)],
       variant="identity"),
    _e("flatten", lambda lib, x: x.transpose(0, 2).flatten(), [(_x,)], variant="copy"),
    _e("ravel", lambda lib, x: lib.ravel(x), [(_x,), (_s,)]),
    _e("ravel", lambda lib, x: x.t().ravel(), [(_m,)], variant="copy"),
    _e("unflatten", lambda lib, x: x.unflatten(1, (3, 1)), [(_x,)]),
    _e("unflatten", lambda lib, x: lib.unflatten(x, -1, (2, -1)), [(_x,)], variant="infer"),
    _e("unflatten", lambda lib, x: x.t().unflatten(0, (2, 2)), [(_m,)], variant="noncontig"),
    # contiguous/clone live in ops/conversion.py; the copy a non-contiguous view needs
    _e("contiguous", lambda lib, x: (x.contiguous(), x.t().contiguous()), [(_m,)]),
    _e("clone", lambda lib, x: (lib.clone(x), x.t().clone()), [(_m,)]),
    _e("clone", lambda lib, x: lib.clone(x * x).t(), [(_m,)], variant="sq", smooth=True),
    # -------------------------------------------------------------- squeeze / unsqueeze
    _e("squeeze", lambda lib, x: x.squeeze(), [(arr(2, 1, 3, 1),), (arr(1, 1),), (_s,)]),
    _e("squeeze", lambda lib, x: x.squeeze(1), [(arr(2, 1, 3, 1),)], variant="dim"),
    _e("squeeze", lambda lib, x: lib.squeeze(x, -1), [(arr(2, 1, 3, 1),)], variant="neg"),
    _e("squeeze", lambda lib, x: x.squeeze(0), [(arr(2, 1, 3, 1),), (_s,)], variant="noop"),
    _e("squeeze", lambda lib, x: x.squeeze((1, -1, 0)), [(arr(2, 1, 3, 1),)],
       variant="dims"),
    _e("squeeze", lambda lib, x: (x * x).squeeze(), [(arr(2, 1, 3),)], variant="sq",
       smooth=True),
    _e("unsqueeze", lambda lib, x: x.unsqueeze(0), [(_x,), (_s,)]),
    _e("unsqueeze", lambda lib, x: lib.unsqueeze(x, -1), [(_x,), (_s,)], variant="neg"),
    _e("unsqueeze", lambda lib, x: x.unsqueeze(2), [(_x,)], variant="mid"),
    _e("unsqueeze", lambda lib, x: x.t().unsqueeze(1), [(_m,)], variant="noncontig"),
    _e("unsqueeze", lambda lib, x: (x * x).unsqueeze(1), [(_m,)], variant="sq", smooth=True),
    # --------------------------------------------------------- transpose / permute / t
    _e(("transpose", "swapaxes", "swapdims"),
       lambda lib, x: (x.transpose(0, 2), lib.swapaxes(x, -1, 1), x.swapdims(1, 1)),
       [(_x,)]),
    _e("transpose", lambda lib, x: x.transpose(0, -1), [(_s,)], variant="0d"),
    _e("transpose", lambda lib, x: (x * x).transpose(0, 1), [(_m,)], variant="sq",
       smooth=True),
    _e("permute", lambda lib, x: x.permute(2, 0, 1), [(_x,)]),
    _e("permute", lambda lib, x: lib.permute(x, (1, -1, 0)), [(_x,)], variant="fn"),
    _e("permute", lambda lib, x: x.permute([0, 1, 2]), [(_x,)], variant="identity"),
    _e("permute", lambda lib, x: (x * x).permute(1, 2, 0), [(_x,)], variant="sq",
       smooth=True),
    _e("t", lambda lib, x: x.t(), [(_m,), (_v,), (_s,)]),
    _e("t", lambda lib, x: lib.t(x * x), [(_m,)], variant="sq", smooth=True),
    _e("permute", lambda lib, x: x.T, [(_m,), (_v,)], variant="T"),
    _e("permute", lambda lib, x: x.T, [(_x,), (_s,)], variant="T-deprecated"),
    _e("transpose", lambda lib, x: x.mT, [(_m,), (_x,)], variant="mT"),
    _e(("movedim", "moveaxis"), lambda lib, x: (x.movedim(0, 2), lib.moveaxis(x, -1, 0)),
       [(_x,)]),
    _e("movedim", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), [(_x,)], variant="tuple"),
    _e("movedim", lambda lib, x: (x * x).movedim([0, -1], [-1, 0]), [(_x,)], variant="sq",
       smooth=True),
    # ------------------------------------------------------------------------- expand
    _e("expand", lambda lib, x: x.expand(3, 2, 4), [(arr(2, 1),)]),
    _e("expand", lambda lib, x: x.expand(-1, 3), [(arr(2, 1),)], variant="keep"),
    _e("expand", lambda lib, x: x.expand((2, 3)), [(arr(2, 3),)], variant="same"),
    _e("expand", lambda lib, x: x.expand(4, 2), [(_s,)], variant="0d"),
    _e("expand", lambda lib, x: (x * x).expand(2, 3, 4), [(arr(3, 1),)], variant="sq",
       smooth=True),
    _e("expand_as", lambda lib, x, y: x.expand_as(y), [(arr(3, 1), ints(2, 3, 4))]),
    # -------------------------------------------------------------------------- narrow
    _e("narrow", lambda lib, x: x.narrow(1, 1, 2), [(_x,)]),
    _e("narrow", lambda lib, x: lib.narrow(x, -1, -3, 2), [(_x,)], variant="neg"),
    _e("narrow", lambda lib, x: x.narrow(0, 0, 0), [(_m,)], variant="empty"),
    _e("narrow", lambda lib, x: (x * x).narrow(0, 1, 2), [(_m,)], variant="sq",
       smooth=True),
    # -------------------------------------------------------------------- repeat / tile
    _e("repeat", lambda lib, x: x.repeat(2, 1, 3), [(arr(2, 3),)]),
    _e("repeat", lambda lib, x: x.repeat((1, 1)), [(arr(2, 3),)], variant="ones"),
    _e("repeat", lambda lib, x: x.repeat(3), [(arr(2),), (_s,)], variant="1d"),
    _e("repeat", lambda lib, x: x.repeat(0, 2), [(arr(2, 3),)], variant="zero"),
    _e("repeat", lambda lib, x: (x * x).repeat(2, 2), [(arr(2, 3),)], variant="sq",
       smooth=True),
    _e("tile", lambda lib, x: (lib.tile(x, (2,)), x.tile(2, 1, 1)), [(arr(2, 3),)]),
    # ---------------------------------------------------------------------- flip / roll
    _e("flip", lambda lib, x: x.flip(0), [(_x,), (_s,)]),
    _e("flip", lambda lib, x: lib.flip(x, (0, -1)), [(_x,)], variant="dims"),
    _e("flip", lambda lib, x: (x * x).flip(1, 2), [(_x,)], variant="sq", smooth=True),
    _e("fliplr", lambda lib, x: lib.fliplr(x), [(_m,)]),
    _e("flipud", lambda lib, x: lib.flipud(x), [(_m,), (_v,)]),
    _e("roll", lambda lib, x: x.roll(1), [(_x,), (_s,)]),
    _e("roll", lambda lib, x: x.roll(-2, 1), [(_x,)], variant="dim"),
    _e("roll", lambda lib, x: lib.roll(x, (1, 5), (0, -1)), [(_x,)], variant="dims"),
    _e("roll", lambda lib, x: (x * x).roll(7), [(_m,)], variant="sq", smooth=True),
    # --------------------------------------------------------------------------- cat
    _e(("cat", "concat", "concatenate"),
       lambda lib, x, y: (lib.cat([x, y]), lib.concat((x, y), -2), lib.concatenate([x, y])),
       [(arr(2, 3), arr(4, 3))]),
    _e("cat", lambda lib, x, y: lib.cat([x, y, x], dim=1), [(arr(2, 3), arr(2, 1))],
       variant="dim"),
    _e("cat", lambda lib, x, y: lib.cat([x, y], -1), [(arr(2, 3), ints(2, 2))],
       variant="int"),
    _e("cat", lambda lib, x, y: lib.cat([x, y.double()]), [(arr(2, 3), arr(1, 3))],
       variant="mixed"),
    _e("cat", lambda lib, x, e, y: lib.cat([e, x, e, y], 1), [(arr(2, 3), arr(0), arr(2, 2))],
       variant="legacy-empty"),
    _e("cat", lambda lib, x: lib.cat([x]), [(arr(3),)], variant="single"),
    _e("cat", lambda lib, x, y: lib.cat([x * x, y * x]), [(arr(2, 3), arr(2, 3))],
       variant="sq", smooth=True),
    # -------------------------------------------------------------------------- stack
    _e("stack", lambda lib, x, y: lib.stack([x, y]), [(arr(2, 3), arr(2, 3)), (_s, arr())]),
    _e("stack", lambda lib, x, y: lib.stack((x, y, x), -1), [(arr(2, 3), arr(2, 3))],
       variant="neg"),
    _e("stack", lambda lib, x, y: lib.stack([x, y], dim=1), [(arr(2, 3), ints(2, 3))],
       variant="int"),
    _e("stack", lambda lib, x, y: lib.stack([x * y, y]), [(arr(3), arr(3))], variant="sq",
       smooth=True),
    _e("hstack", lambda lib, x, y: lib.hstack([x, y]), [(arr(2, 3), arr(2, 2)),
                                                       (arr(3), arr(2)), (_s, arr(2))]),
    _e(("vstack", "row_stack"), lambda lib, x, y: (lib.vstack([x, y]), lib.row_stack((y, x))),
       [(arr(2, 3), arr(3)), (_s, arr())]),
    _e("dstack", lambda lib, x, y: lib.dstack([x, y]), [(arr(2, 3), arr(2, 3)),
                                                       (arr(3), arr(3)), (arr(), arr())]),
    _e("column_stack", lambda lib, x, y, z: lib.column_stack([x, y, z]),
       [(arr(3), arr(3, 2), arr(3))]),
    _e(("atleast_1d", "atleast_2d", "atleast_3d"),
       lambda lib, x: (lib.atleast_1d(x), lib.atleast_2d(x), lib.atleast_3d(x)),
       [(_s,), (_v,), (_m,), (_x,)]),
    _e("atleast_2d", lambda lib, x, y: lib.atleast_2d(x, y), [(_s, _v)], variant="many"),
    _e("atleast_3d", lambda lib, x, y: lib.atleast_3d([x, y]), [(_m, _v)], variant="list"),
    # ---------------------------------------------------------- split / chunk / unbind
    _e("split", lambda lib, x: x.split(2), [(arr(5, 3),)]),
    _e("split", lambda lib, x: lib.split(x, [1, 3, 0], -1), [(arr(2, 4),)], variant="sizes"),
    _e("split", lambda lib, x: x.split(1, dim=1)[1], [(arr(2, 4),)], variant="one-used"),
    _e("split", lambda lib, x: x.split([3, 2])[0], [(arr(5, 2),)], variant="one-used-sizes"),
    _e("split", lambda lib, x: x.split(7), [(arr(5, 2),)], variant="whole"),
    _e("split", lambda lib, x: [p * p for p in x.split(2)], [(arr(5, 2),)], variant="sq",
       smooth=True),
    _e("chunk", lambda lib, x: x.chunk(3), [(arr(5, 3),), (arr(6),)]),
    _e("chunk", lambda lib, x: lib.chunk(x, 2, -1), [(arr(2, 4),)], variant="dim"),
    _e("chunk", lambda lib, x: x.chunk(4)[2], [(arr(6),)], variant="one-used"),
    _e("chunk", lambda lib, x: x.chunk(1), [(arr(3),)], variant="single"),
    _e("unbind", lambda lib, x: x.unbind(), [(arr(3, 2),)]),
    _e("unbind", lambda lib, x: lib.unbind(x, -1), [(arr(3, 2),)], variant="neg"),
    _e("unbind", lambda lib, x: x.unbind(1)[0], [(arr(3, 2),)], variant="one-used"),
    _e("unbind", lambda lib, x: [p * p for p in x.unbind(1)], [(arr(3, 2),)], variant="sq",
       smooth=True),
    _e("unbind", lambda lib, x: list(x), [(arr(3, 2),)], variant="iter"),
]

# integer and bool tensors: values and dtypes only
_I = np.arange(12).reshape(3, 4)
ENTRIES += [
    _e("reshape", lambda lib, x: (x.reshape(2, 6), x.view(-1), x.t(), x.permute(1, 0),
                                  x.unsqueeze(0).squeeze(0), x.flip(0), x.roll(1),
                                  x.repeat(1, 2), x.narrow(0, 1, 1),
                                  x.unsqueeze(0).expand(2, 3, 4)),
       [(_I,), (_I > 4,)], differentiable=False, variant="int"),
    _e("cat", lambda lib, x, y: (lib.cat([x, y]), lib.stack([x, y])),
       [(_I, _I > 4), (_I > 4, _I > 5)], differentiable=False, variant="int"),
    _e("split", lambda lib, x: (x.split(2), x.chunk(2, 1), x.unbind(1)), [(_I,)],
       differentiable=False, variant="int"),
]
