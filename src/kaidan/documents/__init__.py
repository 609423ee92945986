"""The document library: Word, PDF, Excel, text and images attached to an organization, dataset or record."""
