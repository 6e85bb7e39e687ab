"""Training: the LightningModule, losses and `train(cfg)`."""
