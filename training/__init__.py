"""headline-lens training: dataset adapters, assembly, fine-tuning, evaluation and export."""
