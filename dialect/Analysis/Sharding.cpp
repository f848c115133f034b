// PLACEHOLDER: the sharding analysis is being written.
