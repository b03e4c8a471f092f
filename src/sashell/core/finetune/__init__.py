"""Fine-tuning: chat datasets, local LoRA training exported as GGUF adapters, adapter registry."""
