"""The Neuropathy Massage Course: knowledge data, a safe advisor and the widgets of the lessons."""

__version__ = "0.1.0"
