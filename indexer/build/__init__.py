"""Building an index: walking sources, parsing, identifying, chunking, embedding and storing what changed;
inspecting without storing."""
