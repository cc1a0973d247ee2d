"""Runnable examples: ``python -m chainrule.examples.tutorial`` walks through the autograd
tutorial; ``python -m chainrule.examples.digits`` trains a small network on handwritten digits.
"""
