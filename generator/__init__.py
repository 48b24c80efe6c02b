"""sasaeai: the paperwork of 生活支援体制整備事業 from one Excel ledger.

Pipeline: ledger (read) -> model -> rules (check) -> documents (render) -> output.
"""
from .ledger.check import check, load_and_check
from .ledger.reader import read_ledger

__all__ = ["check", "load_and_check", "read_ledger"]
