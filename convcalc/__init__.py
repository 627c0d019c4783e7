"""convcalc: a static calculator of CNN shapes, parameters, MACs/FLOPs, memory and receptive fields."""

__version__ = "0.1.0"
