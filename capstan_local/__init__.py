"""Local stand-ins for the AWS services Capstan uses, so the pipeline runs on one machine."""
