"""``DataLoader``: iterate over a dataset in (optionally shuffled) batches
(``torch.utils.data.dataloader``).

Loading always happens in the calling process.  ``num_workers > 0`` is accepted for
compatibility and validated as PyTorch does, but batches are still produced in-process, in
order (no worker processes are started, ``worker_init_fn`` is not called and
:func:`get_worker_info` returns ``None``); the results are the same as with
``num_workers=0``.

Random numbers are consumed exactly as in PyTorch: creating an iterator draws a base seed
from ``generator`` (or the default generator), and a shuffling ``RandomSampler`` without a
generator seeds a fresh generator from the default one, so with the same ``manual_seed``
the batches come in PyTorch's order.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any, Generic, TypeVar

from . import _utils
from .dataset import Dataset, IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]

_T_co = TypeVar("_T_co", covariant=True)


def get_worker_info():
    """Always ``None``: chainrule's ``DataLoader`` loads in the main process."""
    return None


class _DatasetKind:
    Map = 0
    Iterable = 1


class _InfiniteConstantSampler(Sampler):
    """Yields ``None`` forever: the sampler of iterable-style datasets."""

    def __iter__(self):
        while True:
            yield None


class DataLoader(Generic[_T_co]):
    r"""Combine a dataset and a sampler; iterate over batches.

    Args:
        dataset (Dataset): map-style or iterable-style dataset.
        batch_size (int or None): samples per batch (default: 1); ``None`` disables
            automatic batching (samples are only converted by ``default_convert``).
        shuffle (bool): reshuffle the indices at every epoch (default: False).
        sampler (Sampler or Iterable): the index order (exclusive with ``shuffle``).
        batch_sampler (Sampler or Iterable): yields lists of indices (exclusive with
            ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``).
        num_workers (int): accepted; loading stays in this process (see the module notes).
        collate_fn (Callable): merges a list of samples into a batch
            (default: :func:`default_collate`).
        pin_memory (bool): accepted; chainrule has no accelerator memory.
        drop_last (bool): drop the last incomplete batch (default: False).
        timeout (float): accepted (must be non-negative).
        worker_init_fn (Callable): accepted, not called (there are no workers).
        generator (Generator): the generator of the shuffling sampler and of the base seed.
        prefetch_factor, persistent_workers, multiprocessing_context, pin_memory_device,
        in_order: accepted and validated as in PyTorch.

    >>> import chainrule as torch
    >>> from chainrule.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(torch.arange(5))
    >>> [b[0].tolist() for b in DataLoader(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    __initialized = False

    def __init__(self, dataset: Dataset[_T_co], batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler=None, batch_sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing.let "
                "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to "
                "None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "multiprocessing_context can only be used with multi-process loading "
                f"(num_workers > 0), but got num_workers={num_workers}")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = _DatasetKind.Iterable
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = _DatasetKind.Map

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")

        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is mutually "
                                 "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == _DatasetKind.Iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)

        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator

        if collate_fn is None:
            if self._auto_collation:
                collate_fn = _utils.collate.default_collate
            else:
                collate_fn = _utils.collate.default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers

        self.__initialized = True
        self._IterableDataset_len_called = None
        self._iterator = None

        if num_workers > 0:
            max_workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
                else os.cpu_count()
            if max_workers is None or num_workers > max_workers:
                warnings.warn(
                    f"This DataLoader will create {num_workers} worker processes in total. Our "
                    f"suggested max number of worker in current system is {max_workers}, which "
                    "is smaller than what this DataLoader is going to create. Please be aware "
                    "that excessive worker creation might get DataLoader running slow or even "
                    "freeze, lower the worker number to avoid potential slowness/freeze if "
                    "necessary.", stacklevel=2)

    def __setattr__(self, attr, val) -> None:
        if self.__initialized and attr in ("batch_size", "batch_sampler", "sampler",
                                           "drop_last", "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    def _get_iterator(self) -> _SingleProcessDataLoaderIter:
        return _SingleProcessDataLoaderIter(self)

    def __iter__(self) -> _SingleProcessDataLoaderIter:
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        if self._dataset_kind == _DatasetKind.Iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    length = length // self.batch_size
                else:
                    length = math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)


class _SingleProcessDataLoaderIter:
    """The iterator of a :class:`DataLoader` (``iter(loader)``)."""

    def __init__(self, loader: DataLoader) -> None:
        import chainrule

        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._collate_fn = loader.collate_fn
        self._gathers = (isinstance(self._dataset, TensorDataset)
                         and type(self._dataset).__getitem__ is TensorDataset.__getitem__
                         and self._collate_fn is _utils.collate.default_collate)
        self._sampler_iter = iter(self._index_sampler)
        # PyTorch draws the workers' base seed here, even without workers; drawing it too
        # keeps the random stream (and so later shuffles) identical to PyTorch's.
        self._base_seed = int(chainrule.empty((), dtype=chainrule.int64)
                              .random_(generator=loader.generator).item())
        self._num_yielded = 0
        self._dataset_iter = (iter(self._dataset)
                              if self._dataset_kind == _DatasetKind.Iterable else None)
        self._ended = False

    def __iter__(self):
        return self

    def _reset(self, loader: DataLoader, first_iter: bool = False) -> None:
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        if self._dataset_kind == _DatasetKind.Iterable:
            self._dataset_iter = iter(self._dataset)
            self._ended = False

    def _fetch(self, index) -> Any:
        if self._dataset_kind == _DatasetKind.Map:
            if self._auto_collation:
                if self._gathers:
                    # TensorDataset + default_collate: index each tensor once per batch,
                    # which is what stacking the samples would give
                    batch = self._dataset.gather_batch(index)
                    if batch is not None:
                        return batch
                getitems = getattr(self._dataset, "__getitems__", None)
                if getitems:
                    data = getitems(index)
                else:
                    data = [self._dataset[idx] for idx in index]
            else:
                data = self._dataset[index]
            return self._collate_fn(data)
        # iterable-style
        if self._ended:
            raise StopIteration
        if self._auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self._dataset_iter))
                except StopIteration:
                    self._ended = True
                    break
            if len(data) == 0 or (self._drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self._dataset_iter)
        return self._collate_fn(data)

    def __next__(self) -> Any:
        index = next(self._sampler_iter)  # may raise StopIteration
        data = self._fetch(index)  # may raise StopIteration
        self._num_yielded += 1
        if (self._dataset_kind == _DatasetKind.Iterable
                and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            warnings.warn(
                f"Length of IterableDataset {self._dataset} was reported to be "
                f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                f"{self._num_yielded} samples have been fetched. ", stacklevel=2)
        return data

    def __len__(self) -> int:
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{self.__class__.__name__} cannot be pickled")
