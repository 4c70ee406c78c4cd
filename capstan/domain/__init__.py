"""Pure release decisions: no boto3, no environment, no clock reads."""
