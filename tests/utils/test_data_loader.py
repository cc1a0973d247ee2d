"""chainrule.utils.data: datasets, samplers, collate and the DataLoader."""

from __future__ import annotations

import collections
import warnings

import numpy as np
import pytest

import chainrule
from chainrule.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    random_split,
)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return i * i


class DictDataset(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.full(3, i, dtype=np.float32), "y": i, "name": f"s{i}",
                "w": float(i) / 2}


Point = collections.namedtuple("Point", ["x", "y"])


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def _tds(n=10):
    x = chainrule.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = chainrule.tensor(np.arange(n))
    return TensorDataset(x, y)


# ------------------------------------------------------------------------------ datasets
def test_tensor_dataset():
    ds = _tds(4)
    assert len(ds) == 4
    x, y = ds[2]
    assert x.tolist() == [6.0, 7.0, 8.0]
    assert y.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(chainrule.zeros(3, 2), chainrule.zeros(4))


def test_subset_concat_stack_chain():
    sq = Squares(5)
    sub = Subset(sq, [4, 0, 2])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [16, 0, 4]
    assert sub.__getitems__([0, 2]) == [16, 4]

    cat = ConcatDataset([Squares(2), Squares(3)])
    assert len(cat) == 5
    assert [cat[i] for i in range(5)] == [0, 1, 0, 1, 4]
    assert cat[-1] == 4
    assert cat.cumulative_sizes == [2, 5]
    with pytest.raises(ValueError, match="absolute value of index"):
        cat[-6]
    assert len(Squares(2) + Squares(4)) == 6
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Stream(2)])

    st = StackDataset(a=Squares(3), b=Squares(3))
    assert st[2] == {"a": 4, "b": 4}
    assert StackDataset(Squares(2), Squares(2))[1] == (1, 1)
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(Squares(2), Squares(3))

    assert list(Stream(2) + Stream(3)) == [0, 1, 0, 1, 2]
    assert len(ChainDataset([Stream(2), Stream(3)])) == 5


def test_random_split_sizes_and_disjointness():
    ds = Squares(10)
    parts = random_split(ds, [3, 7], generator=chainrule.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [3, 7]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))

    parts = random_split(Squares(11), [0.5, 0.3, 0.2],
                         generator=chainrule.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [6, 3, 2]  # floor 5, 3, 2 -> remainder 1 to the first
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [3, 3])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(Squares(2), [1.0, 0.0])


def test_random_split_matches_torch():
    torch = pytest.importorskip("torch")
    for seed, lengths in [(0, [3, 7]), (42, [0.25, 0.25, 0.5]), (7, [0.7, 0.3])]:
        ours = random_split(Squares(23) if isinstance(lengths[0], float) else Squares(10),
                            lengths, generator=chainrule.Generator().manual_seed(seed))
        theirs = torch.utils.data.random_split(
            range(23) if isinstance(lengths[0], float) else range(10), lengths,
            generator=torch.Generator().manual_seed(seed))
        assert [list(p.indices) for p in ours] == [list(p.indices) for p in theirs]
    # the default generator, as torch
    chainrule.manual_seed(3)
    torch.manual_seed(3)
    ours = random_split(Squares(10), [5, 5])
    theirs = torch.utils.data.random_split(range(10), [5, 5])
    assert [list(p.indices) for p in ours] == [list(p.indices) for p in theirs]


# ------------------------------------------------------------------------------ samplers
def test_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    g = chainrule.Generator().manual_seed(0)
    perm = list(RandomSampler(range(10), generator=g))
    assert sorted(perm) == list(range(10))
    draws = list(RandomSampler(range(3), replacement=True, num_samples=40,
                               generator=chainrule.Generator().manual_seed(0)))
    assert len(draws) == 40 and set(draws) <= {0, 1, 2}
    assert len(list(RandomSampler(range(4), num_samples=10))) == 10
    sub = list(SubsetRandomSampler([10, 20, 30], generator=g))
    assert sorted(sub) == [10, 20, 30]
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3
    assert len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)


def test_samplers_match_torch():
    torch = pytest.importorskip("torch")
    for seed in (0, 5):
        ours = list(RandomSampler(range(17), generator=chainrule.Generator().manual_seed(seed)))
        theirs = list(torch.utils.data.RandomSampler(
            range(17), generator=torch.Generator().manual_seed(seed)))
        assert ours == theirs
        ours = list(RandomSampler(range(5), replacement=True, num_samples=70,
                                  generator=chainrule.Generator().manual_seed(seed)))
        theirs = list(torch.utils.data.RandomSampler(
            range(5), replacement=True, num_samples=70,
            generator=torch.Generator().manual_seed(seed)))
        assert ours == theirs
        ours = list(SubsetRandomSampler([3, 1, 4, 1, 5],
                                        generator=chainrule.Generator().manual_seed(seed)))
        theirs = list(torch.utils.data.SubsetRandomSampler(
            [3, 1, 4, 1, 5], generator=torch.Generator().manual_seed(seed)))
        assert ours == theirs
    chainrule.manual_seed(9)
    torch.manual_seed(9)
    assert list(RandomSampler(range(12))) == list(torch.utils.data.RandomSampler(range(12)))


def test_weighted_random_sampler():
    s = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 50,
                              generator=chainrule.Generator().manual_seed(0))
    draws = list(s)
    assert len(draws) == 50 and set(draws) <= {1, 3}
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 2)


# ------------------------------------------------------------------------------ collate
def test_default_collate_rules():
    t = default_collate([chainrule.tensor([1.0, 2.0]), chainrule.tensor([3.0, 4.0])])
    assert t.shape == (2, 2) and t.dtype == chainrule.float32
    f = default_collate([1.5, 2.5])
    assert f.dtype == chainrule.float64 and f.tolist() == [1.5, 2.5]
    i = default_collate([1, 2, 3])
    assert i.dtype == chainrule.int64
    assert default_collate([True, False]).dtype == chainrule.bool
    a = default_collate([np.zeros(3, np.float32), np.ones(3, np.float32)])
    assert isinstance(a, chainrule.Tensor) and a.shape == (2, 3) and a.dtype == chainrule.float32
    s = default_collate([np.float64(1.0), np.float64(2.0)])
    assert s.dtype == chainrule.float64
    assert default_collate(["a", "b"]) == ["a", "b"]
    pairs = default_collate([(1, 2.0), (3, 4.0)])
    assert isinstance(pairs, list) and pairs[0].tolist() == [1, 3] and pairs[1].tolist() == [
        2.0, 4.0]
    lists = default_collate([[1, 2], [3, 4]])
    assert [x.tolist() for x in lists] == [[1, 3], [2, 4]]
    d = default_collate([{"a": 1, "b": [1.0]}, {"a": 2, "b": [2.0]}])
    assert d["a"].tolist() == [1, 2] and d["b"][0].tolist() == [1.0, 2.0]
    od = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert isinstance(od, collections.OrderedDict)
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3]
    mixed = default_collate([chainrule.tensor([1]), chainrule.tensor([2.5])])
    assert mixed.dtype == chainrule.float32
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal "
                                           "size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size, but "
                                           r"got \[3\] at entry 0 and \[4\] at entry 1"):
        default_collate([chainrule.zeros(3), chainrule.zeros(4)])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
        default_collate([object()])


def test_default_collate_keeps_autograd():
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    b = chainrule.tensor([3.0, 4.0], requires_grad=True)
    out = default_collate([a, b])
    assert out.requires_grad
    (out * chainrule.tensor([[1.0, 1.0], [2.0, 2.0]])).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [2.0, 2.0]


def test_default_convert():
    out = default_convert({"a": np.arange(3), "b": (np.float32(1.0), "x")})
    assert isinstance(out["a"], chainrule.Tensor) and out["a"].dtype == chainrule.int64
    assert isinstance(out["b"], list) and out["b"][1] == "x"
    assert out["b"][0].dtype == chainrule.float32


def test_default_collate_matches_torch():
    torch = pytest.importorskip("torch")
    batch = [{"x": np.full((2,), i, np.float32), "y": i, "w": i / 3, "tag": "t",
              "p": Point(i, float(i))} for i in range(4)]
    ours = default_collate(batch)
    theirs = torch.utils.data.default_collate(batch)
    assert set(ours) == set(theirs)
    for k in ("x", "y", "w"):
        assert str(ours[k].dtype).split(".")[-1] == str(theirs[k].dtype).split(".")[-1]
        np.testing.assert_array_equal(np.asarray(ours[k].tolist()),
                                      np.asarray(theirs[k].tolist()))
    assert ours["tag"] == theirs["tag"]
    assert ours["p"].x.tolist() == theirs["p"].x.tolist()


# ------------------------------------------------------------------------------ DataLoader
def test_loader_batches_tensor_dataset():
    dl = DataLoader(_tds(10), batch_size=4)
    assert len(dl) == 3
    batches = list(dl)
    assert [tuple(b[0].shape) for b in batches] == [(4, 3), (4, 3), (2, 3)]
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dl = DataLoader(_tds(10), batch_size=4, drop_last=True)
    assert len(dl) == 2 and len(list(dl)) == 2


def test_loader_dicts_and_scalars():
    dl = DataLoader(DictDataset(), batch_size=2)
    batch = next(iter(dl))
    assert batch["x"].shape == (2, 3)
    assert batch["y"].dtype == chainrule.int64 and batch["y"].tolist() == [0, 1]
    assert batch["w"].dtype == chainrule.float64
    assert batch["name"] == ["s0", "s1"]
    assert len(list(dl)) == 3


def test_loader_tuples_of_numpy():
    class Pairs(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.full((2, 2), i, np.float64), i % 2

    batches = list(DataLoader(Pairs(), batch_size=3))
    assert len(batches) == 2
    x, y = batches[1]
    assert x.shape == (3, 2, 2) and x.dtype == chainrule.float64
    assert y.tolist() == [1, 0, 1]


def test_loader_without_batching_and_custom_collate():
    dl = DataLoader(Squares(3), batch_size=None)
    assert list(dl) == [0, 1, 4]
    assert len(dl) == 3
    dl = DataLoader(Squares(5), batch_size=2, collate_fn=lambda b: sum(b))
    assert list(dl) == [1, 13, 16]
    dl = DataLoader(Squares(6), batch_sampler=[[5, 0], [1]])
    assert [b.tolist() for b in dl] == [[25, 0], [1]]


def test_loader_shuffle_with_generator_is_deterministic():
    def order(seed):
        g = chainrule.Generator().manual_seed(seed)
        return [b[1].tolist() for b in DataLoader(_tds(12), batch_size=5, shuffle=True,
                                                  generator=g)]

    a, b, c = order(0), order(0), order(1)
    assert a == b
    assert a != c
    assert sorted(sum(a, [])) == list(range(12))
    # epochs differ, but the sequence of epochs is reproducible
    g = chainrule.Generator().manual_seed(0)
    dl = DataLoader(_tds(12), batch_size=12, shuffle=True, generator=g)
    e1, e2 = [next(iter(dl))[1].tolist() for _ in range(2)]
    assert e1 != e2


def test_loader_shuffle_matches_torch():
    torch = pytest.importorskip("torch")
    n = 13
    tds = torch.utils.data.TensorDataset(torch.arange(n))
    for seed in (0, 123):
        g, tg = chainrule.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)
        ours = DataLoader(_tds(n), batch_size=4, shuffle=True, generator=g)
        theirs = torch.utils.data.DataLoader(tds, batch_size=4, shuffle=True, generator=tg)
        for _ in range(3):  # three epochs
            assert [b[1].tolist() for b in ours] == [b[0].tolist() for b in theirs]
    # no generator: seeded through the default generator, as torch
    chainrule.manual_seed(2024)
    torch.manual_seed(2024)
    ours = DataLoader(_tds(n), batch_size=5, shuffle=True)
    theirs = torch.utils.data.DataLoader(tds, batch_size=5, shuffle=True)
    for _ in range(2):
        assert [b[1].tolist() for b in ours] == [b[0].tolist() for b in theirs]
    # the default generator is left in the same state
    assert chainrule.rand(3).tolist() == pytest.approx(torch.rand(3).tolist(), abs=0)


def test_loader_iterable_dataset():
    dl = DataLoader(Stream(7), batch_size=3)
    assert len(dl) == 3
    assert [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(3), sampler=[0])


def test_loader_argument_errors():
    ds = Squares(4)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="num_workers option should be non-negative"):
        DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="batch_size=None option disables auto-batching"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="prefetch_factor option could only be specified"):
        DataLoader(ds, prefetch_factor=2)
    dl = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        dl.batch_size = 3


def test_loader_num_workers_runs_in_process():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dl = DataLoader(_tds(6), batch_size=2, num_workers=2, persistent_workers=True)
        assert [b[1].tolist() for b in dl] == [[0, 1], [2, 3], [4, 5]]
        assert [b[1].tolist() for b in dl] == [[0, 1], [2, 3], [4, 5]]


def test_loader_sampler_argument_and_subset():
    ds = _tds(8)
    dl = DataLoader(ds, batch_size=2, sampler=[7, 6, 5])
    assert [b[1].tolist() for b in dl] == [[7, 6], [5]]
    sub = Subset(ds, [1, 3, 5])
    assert [b[1].tolist() for b in DataLoader(sub, batch_size=2)] == [[1, 3], [5]]


def test_loader_feeds_a_training_step():
    """End to end: batches from the loader drive an optimizer."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 2)).astype(np.float32)
    y = (x @ np.array([2.0, -1.0], np.float32)).astype(np.float32)
    ds = TensorDataset(chainrule.tensor(x), chainrule.tensor(y))
    w = chainrule.zeros(2, requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)
    for _ in range(20):
        for xb, yb in DataLoader(ds, batch_size=8, shuffle=True,
                                 generator=chainrule.Generator().manual_seed(0)):
            opt.zero_grad()
            loss = ((xb * w).sum(1) - yb).pow(2).mean()
            loss.backward()
            opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [2.0, -1.0], atol=1e-3)


# ------------------------------------------------------- TensorDataset.__getitems__ (batched)
class _PerSample(Dataset):
    """A TensorDataset without ``__getitems__``: the loader fetches sample by sample."""

    def __init__(self, ds):
        self.ds = ds

    def __len__(self):
        return len(self.ds)

    def __getitem__(self, i):
        return self.ds[i]


def _mixed_tds():
    rng = np.random.default_rng(0)
    base = chainrule.tensor(rng.standard_normal((11, 4, 3)).astype(np.float32))
    return TensorDataset(
        base.transpose(1, 2),                                    # not contiguous
        chainrule.tensor(rng.integers(0, 9, 11)),                # 1-D int64: 0-d samples
        chainrule.tensor(rng.standard_normal((11, 2))),          # float64
        chainrule.tensor(rng.integers(0, 2, (11, 5)).astype(bool)),
        base[:, ::2, 1],                                         # a strided view
    )


def _same_batches(a, b):
    assert len(a) == len(b)
    for xa, xb in zip(a, b, strict=True):
        assert type(xa) is type(xb) is list and len(xa) == len(xb)
        for ta, tb in zip(xa, xb, strict=True):
            assert ta.dtype == tb.dtype and ta.shape == tb.shape
            assert ta.stride() == tb.stride() and ta.is_contiguous()
            assert not ta.requires_grad and ta._base is None and tb._base is None
            np.testing.assert_array_equal(ta.numpy(), tb.numpy())


@pytest.mark.parametrize("kw", [dict(batch_size=4), dict(batch_size=3, shuffle=True),
                                dict(batch_size=4, drop_last=True),
                                dict(batch_sampler=[[10, -1, 3], [0], [2, 2, 2]]),
                                dict(batch_size=2, sampler=[np.int64(4), np.int32(1), 7])])
def test_batched_fetch_gives_the_per_sample_batches(kw):
    ds = _mixed_tds()
    for d in (ds, Subset(ds, [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0])):
        kw2 = dict(kw)
        if "shuffle" in kw2:
            kw2["generator"] = chainrule.Generator().manual_seed(3)
        fast = list(DataLoader(d, **kw2))
        if "shuffle" in kw2:
            kw2["generator"] = chainrule.Generator().manual_seed(3)
        slow = list(DataLoader(_PerSample(d), **kw2))
        _same_batches(fast, slow)


def test_gather_batch_equals_collating_the_samples():
    ds = _tds(6)
    fast = ds.gather_batch([4, 1, 1])
    slow = default_collate([ds[i] for i in [4, 1, 1]])
    for a, b in zip(fast, slow, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fast[1][0] = 99  # a copy: the dataset is untouched
    assert ds.tensors[1].tolist() == [0, 1, 2, 3, 4, 5]
    assert ds.gather_batch([0, 1.5]) is None and ds.gather_batch([7]) is None


def test_batches_fall_back_to_per_sample_fetching():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            return tuple(t[i] * 2 for t in self.tensors)

    ds = Doubled(chainrule.arange(5))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=3)] == [[0, 2, 4], [6, 8]]
    # indices that are not integers, or out of range: the per-sample path and its errors
    ds = _tds(4)
    with pytest.raises(IndexError, match="index 4 is out of bounds for dimension 0 with size 4"):
        list(DataLoader(ds, batch_sampler=[[0, 4]]))
    with pytest.raises(IndexError):
        list(DataLoader(ds, batch_sampler=[[0, 9]]))
    # tensors that require grad: stacking records the graph, as before
    w = chainrule.ones(4, 2, requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(w), batch_size=2)))
    assert type(xb.grad_fn).__name__ == "StackBackward0"


def test_custom_collate_sees_the_samples():
    ds = _tds(5)
    seen = []

    def collate(batch):
        seen.append(batch)
        return [s[1].item() for s in batch]

    assert list(DataLoader(ds, batch_size=2, collate_fn=collate)) == [[0, 1], [2, 3], [4]]
    assert all(type(b) is list for b in seen)
    assert all(s[0]._base is ds.tensors[0] for b in seen for s in b)
    assert list(DataLoader(ds, batch_size=2, collate_fn=lambda b: b + [])) != []
