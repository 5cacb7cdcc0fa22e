# A variables file for variables.hcl: name = value lines (corral run -var-file ...).
names = ["xu"]
