"""What `make bench` measures: bulk import and the record page (`record`), the employer's
share page under load (`share_page`), and the Node verifier it is compared with (`node/`)."""
