"""Stand-in for torch in the example worker: enough API for ComfyUI-style smoke tests."""

__version__ = "2.5.1+cu124"


class _Version:
    cuda = "12.4"


version = _Version()


class _Cuda:
    @staticmethod
    def is_available():
        return False

    @staticmethod
    def current_device():
        raise RuntimeError("Found no NVIDIA driver on your system.")


cuda = _Cuda()


class device:
    def __init__(self, kind):
        self.type = kind

    def __repr__(self):
        return "device(type=%r)" % self.type
