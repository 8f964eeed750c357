"""Imports of partners, contacts and accounts from CSV and XLSX: mapping, dry run, all-or-nothing commit."""
