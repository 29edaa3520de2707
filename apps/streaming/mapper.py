import sys

# Every word of every line, with a count of 1.
for line in sys.stdin:
    for word in line.split():
        print("%s\t1" % word)
