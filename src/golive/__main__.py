from golive.cli import console

console()
