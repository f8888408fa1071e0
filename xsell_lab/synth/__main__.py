"""``python -m xsell_lab.synth --out data [--seed 14]``: see :func:`xsell_lab.synth.cli.main`."""

from xsell_lab.synth.cli import main

main()
