"""vlmnotes: a knowledge base over free-form reading notes about vision-language-model papers."""

__version__ = "0.1.0"
