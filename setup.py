"""The one compiled module (everything else is in pyproject.toml): extract pseudonyms keyed in C
with OpenSSL's SHA-256. Optional: without a compiler or OpenSSL's headers the package installs
all the same and keys pseudonyms in Python, more slowly."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "steward.dataplane._hmac",
            sources=["src/steward/dataplane/_hmac.c"],
            libraries=["crypto"],
            optional=True,
        )
    ]
)
