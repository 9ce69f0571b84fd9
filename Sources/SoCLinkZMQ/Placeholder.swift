// Placeholder until the target gets its first real file.
