"""Grad modes: context managers, decorators, nesting, generators and per-thread state."""

from __future__ import annotations

import threading

import pytest

import chainrule as torch


def test_no_grad_context_and_restore():
    x = torch.tensor(3.0, requires_grad=True)
    with torch.no_grad():
        y = x ** 2
        assert not torch.is_grad_enabled()
        with torch.enable_grad():
            z = x * 2
    assert torch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad


@pytest.mark.parametrize("make_mode", [torch.no_grad, lambda: torch.set_grad_enabled(False),
                                       torch.inference_mode])
def test_modes_as_decorators(make_mode):
    x = torch.tensor(1.0, requires_grad=True)
    mode = make_mode()
    torch.set_grad_enabled(True)  # constructing set_grad_enabled(False) applies it at once

    @mode
    def f(t):
        return t * 2

    assert not f(x).requires_grad
    assert torch.is_grad_enabled()


def test_bare_inference_mode_decorator_and_flag():
    @torch.inference_mode
    def f(t):
        assert torch.is_inference_mode_enabled()
        return t * 2

    assert not f(torch.tensor(1.0, requires_grad=True)).requires_grad
    assert not torch.is_inference_mode_enabled()


def test_set_grad_enabled_as_function_call():
    torch.set_grad_enabled(False)
    try:
        assert not (torch.tensor(1.0, requires_grad=True) * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()


def test_enable_grad_decorator_inside_no_grad():
    @torch.enable_grad()
    def f(t):
        return t * 2

    with torch.no_grad():
        assert f(torch.tensor(1.0, requires_grad=True)).requires_grad


def test_no_grad_decorates_generators():
    @torch.no_grad()
    def gen():
        yield torch.is_grad_enabled()
        yield torch.is_grad_enabled()

    assert list(gen()) == [False, False]
    assert torch.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    ready, go = threading.Event(), threading.Event()

    def worker():
        ready.set()
        go.wait()
        seen.append(torch.is_grad_enabled())

    t = threading.Thread(target=worker)
    t.start()
    ready.wait()
    with torch.no_grad():
        go.set()
        t.join()
    assert seen == [True]


def test_exception_inside_no_grad_restores_mode():
    with pytest.raises(ValueError):
        with torch.no_grad():
            raise ValueError
    assert torch.is_grad_enabled()
