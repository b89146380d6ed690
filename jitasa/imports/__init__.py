"""Importing the files officials have: readers, columns, values, kinds, the run, API and job."""
