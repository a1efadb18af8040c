"""Demo data: the input files a district's offices would hand in, for the README's first command."""

from wenshu.demo.generate import DemoFiles, generate_demo

__all__ = ["DemoFiles", "generate_demo"]
