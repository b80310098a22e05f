#!/usr/bin/env python3
"""Converts two classic labelled data sets that ship inside scikit-learn (no download: the
files are part of the wheel) into arrays `losslab` loads directly.

    python3 -m venv --system-site-packages /tmp/embed-venv
    /tmp/embed-venv/bin/pip install scikit-learn numpy        # made with scikit-learn 1.9.1, numpy 2.4.6
    /tmp/embed-venv/bin/python samples/digits/make_digits.py  # --check: compare with the committed files

Written here:
  digits.npy          1797 x 64 float32: 8x8 images of handwritten digits, pixel values 0..16
                      (UCI "Optical Recognition of Handwritten Digits", test part, as scikit-learn ships it)
  digits.labels.npy   1797 int64: the digit, 0..9
  iris.npy            150 x 4 float32: sepal length, sepal width, petal length, petal width (cm)
  iris.labels.tsv     one line per row: label (species name); header "label"

Use them with `load digits.npy labels=digits.labels.npy` and `load iris.npy labels=iris.labels.tsv`.
"""
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_digits, load_iris

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    check = "--check" in sys.argv[1:]
    digits = load_digits()
    iris = load_iris()
    outputs = {
        "digits.npy": digits.data.astype(np.float32),
        "digits.labels.npy": digits.target.astype(np.int64),
        "iris.npy": iris.data.astype(np.float32),
        "iris.labels.tsv": "label\n" + "".join(iris.target_names[t] + "\n" for t in iris.target),
    }
    print(f"scikit-learn {sklearn.__version__}: digits {digits.data.shape}, iris {iris.data.shape}")
    failed = False
    for name, content in outputs.items():
        path = os.path.join(HERE, name)
        if check:
            if isinstance(content, np.ndarray):
                same = os.path.exists(path) and np.array_equal(np.load(path), content)
            else:
                same = os.path.exists(path) and open(path, encoding="utf-8").read() == content
            print(f"{name}: {'same' if same else 'DIFFERENT'}")
            failed |= not same
            continue
        if isinstance(content, np.ndarray):
            np.save(path, content)
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
        print(f"wrote {name} ({os.path.getsize(path) / 1024:.0f} KiB)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
