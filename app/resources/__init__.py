"""The resources, each described once, and the kernel that derives the rest from them."""
