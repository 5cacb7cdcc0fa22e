import CorralAPI
