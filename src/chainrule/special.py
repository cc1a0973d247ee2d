"""``chainrule.special``: the special functions, as ``torch.special``.

>>> import chainrule as torch
>>> torch.special.erfinv(torch.tensor([0.0, 0.5]))
tensor([0.0000, 0.4769])

The functions are defined in :mod:`chainrule.ops.special` (gamma family, Bessel, error
function and normal distribution) or are the library's ops re-exported under
``torch.special``'s names (``expit`` is ``sigmoid``, ``gammaln`` is ``lgamma``...).
"""

from __future__ import annotations

from .ops import pointwise as _pointwise  # noqa: F401  (registers the pointwise family)
from .ops import special as _special
from .ops._core import OPS as _OPS

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expit", "exp2", "expm1", "log1p", "gammaln",
           "digamma", "psi", "polygamma", "multigammaln", "i0", "i0e", "i1", "i1e", "sinc",
           "logit", "xlogy", "xlog1py", "entr", "ndtr", "ndtri", "log_ndtr", "softmax",
           "log_softmax", "logsumexp", "round"]

erfc = _special.erfc
erfcx = _special.erfcx
erfinv = _special.erfinv
gammaln = _special.lgamma
digamma = psi = _special.digamma
polygamma = _special.polygamma
multigammaln = _special.mvlgamma
i0 = _special.i0
i0e = _special.i0e
i1 = _special.i1
i1e = _special.i1e
sinc = _special.sinc
logit = _special.logit
xlogy = _special.xlogy
xlog1py = _special.xlog1py
entr = _special.entr
ndtr = _special.ndtr
ndtri = _special.ndtri
log_ndtr = _special.log_ndtr
round = _special.special_round  # noqa: A001

erf = _OPS["erf"]
expit = _OPS["sigmoid"]
exp2 = _OPS["exp2"]
expm1 = _OPS["expm1"]
log1p = _OPS["log1p"]
softmax = _OPS["softmax"]
log_softmax = _OPS["log_softmax"]
logsumexp = _OPS["logsumexp"]
