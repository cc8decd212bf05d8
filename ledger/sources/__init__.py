"""Official list files (OFAC, UN, OpenSanctions FtM) read as streams of typed list entries."""
