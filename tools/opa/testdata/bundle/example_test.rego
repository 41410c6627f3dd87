package example

deny contains "test rule" if true
