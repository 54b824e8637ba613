"""Private engine of the demo data (templates, slots, rendering); see workbench.datasets."""
